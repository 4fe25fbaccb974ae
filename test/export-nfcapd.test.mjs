// Export to a real collector: for each shared capture with an oracle and each protocol,
// flowprobe exports to Debian's nfcapd on loopback; what nfdump reads back, summed per
// 5-tuple, equals the oracle exactly (packets and bytes; first and last time truncated to
// ms) — all flows for IPFIX, the IPv4 flows for NetFlow v5 (which carries no IPv6). ICMP flows are
// compared by address and protocol only: nfdump shows type and code as a port. So are SCTP
// flows: nfdump 1.7 shows their destination port as 0 (tshark decodes flowprobe's
// datagrams with both ports; see export-tshark.test.mjs).
import { test } from "node:test";
import assert from "node:assert/strict";
import { flowprobe, oracleCaptures, canon, secondsToNs } from "./helpers/run.mjs";
import { startNfcapd, nfdumpTimeMs, freePort } from "./helpers/collector.mjs";

const NO_TIME_CHECK = new Map([
  ["derived--be-epb-spb-opb.pcapng", "simple packet blocks carry no time; flowprobe gives them the previous packet's, the oracle none"],
]);

const portless = (proto, src) => (src.includes(":") ? proto === 58 : proto === 1) || proto === 132;
const keyOf = (src, dst, proto, sport, dport) =>
  portless(proto, src) ? `${canon(src)}|${canon(dst)}|${proto}` : `${canon(src)}|${canon(dst)}|${proto}|${sport}|${dport}`;

const PROTOCOLS = [
  { protocol: "10", label: "IPFIX", carries: () => true },
  { protocol: "9", label: "NetFlow v9", carries: () => true },
  { protocol: "5", label: "NetFlow v5", carries: (f) => !f.src.includes(":") },
];
/**
 * The "sequence errors" nfcapd must report for a run of `datagrams` messages. IPFIX's header
 * sequence counts every data record sent before (RFC 7011 §3.1), options records included —
 * tshark checks exactly that (export-tshark.test.mjs) — but nfdump 1.7 advances its expected
 * sequence by flow records only, so the message after each one that carried the options
 * records (the 1st, then every 20th: --refresh-rate; and the last, with the final statistics)
 * looks like a gap to it. Exactly that many, and no more: a lost datagram would add one.
 */
function nfdumpSequenceErrors(protocol, datagrams) {
  if (protocol !== "10" || datagrams < 2) return 0;
  return 1 + Math.floor((datagrams - 2) / 20);
}
/** NetFlow v5 and v9 headers hold unix seconds in 32 bits: no time after 2106-02-07 can be sent. */
const PAST_2106 = 2n ** 32n * 1000000000n;

for (const { file, name, oracle } of oracleCaptures()) for (const { protocol, label, carries } of PROTOCOLS) {
  test(`${label} → nfcapd: ${name}`, async () => {
    const nf = await startNfcapd();
    const r = flowprobe(["-r", file, "--seed", "1", "-d", `127.0.0.1:${nf.port}`, "--protocol", protocol]);
    const { flows, log, exporters } = await nf.stop();
    assert.equal(r.status, 0, r.stderr);
    const sent = /datagrams [\d,]+ = sent ([\d,]+) \+ not sent 0 /.exec(r.stderr);
    assert.ok(sent, r.stderr);
    const errors = nfdumpSequenceErrors(protocol, Number(sent[1].replace(/,/g, "")));
    assert.match(log, new RegExp(`Sequence Errors: ${errors}, Bad Packets: 0`), log);
    if (protocol !== "5" && flows.length > 0) {
      // nfdump took the sampling options record: every packet (interval 1, nothing skipped)
      assert.match(exporters, /Sampler: .*packet interval: 1, packet space: 0/, exporters);
    }
    const unsendable = protocol !== "10" && oracle.last_time && secondsToNs(oracle.last_time) >= PAST_2106;
    if (unsendable) {
      // said, not sent wrong: every flow is counted as not exportable
      assert.equal(flows.length, 0);
      assert.match(r.stderr, new RegExp(`time past 2106 ${oracle.flow_count}`), r.stderr);
      return;
    }
    const v6 = oracle.flows.filter((f) => !carries(f)).length;
    if (v6 > 0) assert.match(r.stderr, /IPv6 flows were not sent: NetFlow v5 carries IPv4 only/);
    const got = new Map();
    for (const f of flows) {
      const src = f.src4_addr ?? f.src6_addr;
      const dst = f.dst4_addr ?? f.dst6_addr;
      const k = keyOf(src, dst, f.proto, f.src_port, f.dst_port);
      const g = got.get(k) ?? { packets: 0n, bytes: 0n, first: nfdumpTimeMs(f.first), last: nfdumpTimeMs(f.last) };
      g.packets += BigInt(f.in_packets);
      g.bytes += BigInt(f.in_bytes);
      const first = nfdumpTimeMs(f.first), last = nfdumpTimeMs(f.last);
      if (first < g.first) g.first = first;
      if (last > g.last) g.last = last;
      got.set(k, g);
    }
    const want = new Map();
    for (const f of oracle.flows.filter(carries)) {
      const k = keyOf(f.src, f.dst, f.proto, f.sport, f.dport);
      const w = want.get(k) ?? { packets: 0n, bytes: 0n, first: null, last: null };
      w.packets += BigInt(f.packets);
      w.bytes += BigInt(f.bytes);
      if (f.first) {
        const first = secondsToNs(f.first) / 1000000n, last = secondsToNs(f.last) / 1000000n;
        if (w.first === null || first < w.first) w.first = first;
        if (w.last === null || last > w.last) w.last = last;
      }
      want.set(k, w);
    }
    assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort(), `5-tuples\nflowprobe: ${r.stderr}\nnfcapd: ${log}`);
    for (const [k, w] of want) {
      const g = got.get(k);
      assert.equal(g.packets, w.packets, `packets of ${k}`);
      assert.equal(g.bytes, w.bytes, `bytes of ${k}`);
      if (!NO_TIME_CHECK.has(name) && w.first !== null) {
        assert.equal(g.first, w.first, `first of ${k}`);
        assert.equal(g.last, w.last, `last of ${k}`);
      }
    }
  });
}

test("a collector that is down: the run completes, every datagram is counted once, refusals are their own figure, and it is said", () => {
  const port = freePort();
  const file = oracleCaptures().find((c) => c.name === "zeek--http--bro.org.pcap").file;
  const r = flowprobe(["-r", file, "--seed", "1", "-d", `127.0.0.1:${port}`]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /flows exported 26:/);
  const m = /collector 127\.0\.0\.1:\d+: datagrams (\d+) = sent (\d+) \+ not sent (\d+) \(refused (\d+), unreachable (\d+), send buffer full (\d+), send queue full (\d+), other (\d+)\); .* the network reported port unreachable (\d+), host unreachable (\d+)/.exec(r.stderr);
  assert.ok(m, r.stderr);
  const [datagrams, sent, notSent, refused, unreachable, buffer, queue, other, portUnreachable] = m.slice(1).map(Number);
  assert.equal(datagrams, sent + notSent);
  assert.equal(notSent, refused + unreachable + buffer + queue + other);
  assert.ok(datagrams >= 2);
  // the first datagram draws the port unreachable; the kernel hands it back at a later send,
  // which then does not go out: every refused send is a reported refusal, none counted twice
  assert.ok(refused >= 1, r.stderr);
  assert.ok(portUnreachable >= refused, r.stderr);
  assert.equal(unreachable + buffer + queue + other, 0, r.stderr);
  // and said while it happens, once
  const said = r.stderr.match(/collector 127\.0\.0\.1:\d+ refuses datagrams \(ICMP port unreachable: nothing listens on port \d+ there\)/g) ?? [];
  assert.equal(said.length, 1, r.stderr);
});
