// Every shared capture with a tshark-made oracle: flowprobe's JSON output, summed per
// 5-tuple, equals the oracle exactly (packets, bytes, first/last time), with no 5-tuple
// missing or extra. The definitions are test/fixtures/pcaps/README.md's.
import { test } from "node:test";
import assert from "node:assert/strict";
import { flowprobe, parseFlows, oracleCaptures, key, secondsToNs } from "./helpers/run.mjs";

// Captures whose per-flow times cannot be compared, and why.
const NO_TIME_CHECK = new Map([
  ["derived--be-epb-spb-opb.pcapng", "simple packet blocks carry no time; flowprobe gives them the previous packet's, the oracle none"],
]);

for (const { file, name, oracle } of oracleCaptures()) {
  test(`oracle: ${name}`, () => {
    const r = flowprobe(["-r", file, "--seed", "1", "--no-summary"]);
    assert.equal(r.status, 0, r.stderr);
    const sums = new Map();
    for (const f of parseFlows(r.stdout)) {
      const k = key(f.src_addr, f.dst_addr, Number(f.proto), Number(f.src_port), Number(f.dst_port));
      const s = sums.get(k) ?? { packets: 0n, bytes: 0n, first: f.time_flow_start_ns, last: f.time_flow_end_ns };
      s.packets += f.packets;
      s.bytes += f.bytes;
      if (f.time_flow_start_ns < s.first) s.first = f.time_flow_start_ns;
      if (f.time_flow_end_ns > s.last) s.last = f.time_flow_end_ns;
      sums.set(k, s);
    }
    const want = new Map(oracle.flows.map((f) => [key(f.src, f.dst, f.proto, f.sport, f.dport), f]));
    const missing = [...want.keys()].filter((k) => !sums.has(k));
    const extra = [...sums.keys()].filter((k) => !want.has(k));
    assert.deepEqual({ missing, extra }, { missing: [], extra: [] }, "5-tuples differ");
    let packets = 0n, bytes = 0n;
    for (const [k, w] of want) {
      const got = sums.get(k);
      assert.equal(got.packets, BigInt(w.packets), `packets of ${k}`);
      assert.equal(got.bytes, BigInt(w.bytes), `bytes of ${k}`);
      if (!NO_TIME_CHECK.has(name) && w.first) {
        assert.equal(got.first, secondsToNs(w.first), `first time of ${k}`);
        assert.equal(got.last, secondsToNs(w.last), `last time of ${k}`);
      }
      packets += got.packets;
      bytes += got.bytes;
    }
    assert.equal(packets, BigInt(oracle.ip_packets));
    assert.equal(bytes, BigInt(oracle.ip_bytes));
    assert.equal(sums.size, oracle.flow_count);
  });
}
