// Export to a real collector: for each shared capture with an oracle and each protocol,
// flowprobe exports to Debian's nfcapd on loopback; what nfdump reads back, summed per
// 5-tuple, equals the oracle exactly (packets and bytes; first and last time truncated to
// ms) — all flows for IPFIX and v9, the IPv4 flows for NetFlow v5 (which carries no IPv6).
// SCTP flows too, with both ports: they go by a template without the ICMP type/code element,
// which nfdump 1.7's IPFIX decoder wrote over their destination port (assembly/encode/records.ts).
// ICMP flows carry type and code instead of ports, which the oracle does not give: they are
// compared with the oracle by address and protocol, and their type and code, summed per
// address, protocol, type and code, with flowprobe's own JSON output of the capture (NetFlow
// v9 ICMPv6 too: its template carries ICMP_TYPE, field 32, which nfdump's v9 decoder reads,
// not IPFIX's 139, which it does not — src/netflow/netflow_v9.c 1.7.1, lines 150-153 and 169).
import { test } from "node:test";
import assert from "node:assert/strict";
import { flowprobe, oracleCaptures, canon, secondsToNs, parseFlows } from "./helpers/run.mjs";
import { startNfcapd, nfdumpTimeMs, freePort } from "./helpers/collector.mjs";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import * as P from "./helpers/packets.mjs";

const NO_TIME_CHECK = new Map([
  ["derived--be-epb-spb-opb.pcapng", "simple packet blocks carry no time; flowprobe gives them the previous packet's, the oracle none"],
]);

const portless = (proto, src) => (src.includes(":") ? proto === 58 : proto === 1);
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

/** flowprobe's own JSON flows of a capture (what nfdump's ICMP types and codes are held against), once per capture for the three protocols. */
const jsonFlows = new Map();
const jsonFlowsOf = (file) => {
  if (!jsonFlows.has(file)) jsonFlows.set(file, parseFlows(flowprobe(["-r", file, "--seed", "1", "--no-summary"]).stdout));
  return jsonFlows.get(file);
};

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
    // ICMP type and code: what nfdump read back equals what flowprobe metered
    const icmpKey = (src, dst, proto, type, code) => `${canon(src)}|${canon(dst)}|${proto}|${type}.${code}`;
    const icmpGot = new Map(), icmpWant = new Map();
    for (const f of flows) {
      const src = f.src4_addr ?? f.src6_addr;
      if (!portless(f.proto, src)) continue;
      const k = icmpKey(src, f.dst4_addr ?? f.dst6_addr, f.proto, f.icmp_type, f.icmp_code);
      icmpGot.set(k, (icmpGot.get(k) ?? 0n) + BigInt(f.in_packets));
    }
    for (const f of jsonFlowsOf(file)) {
      const proto = Number(f.proto);
      if (!portless(proto, f.src_addr) || !carries({ src: f.src_addr })) continue;
      const k = icmpKey(f.src_addr, f.dst_addr, proto, f.icmp_type ?? 0n, f.icmp_code ?? 0n);
      icmpWant.set(k, (icmpWant.get(k) ?? 0n) + f.packets);
    }
    assert.deepEqual(Object.fromEntries([...icmpGot].sort()), Object.fromEntries([...icmpWant].sort()), "ICMP packets per address, protocol, type and code");
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

// Hand-built flows whose ports differ (a capture's SCTP flow, 7 → 7, would not show a swap):
// SCTP 7 → 9999 on IPv4 and IPv6, and an echo request of each family.
for (const [protocol, label] of [["10", "IPFIX"], ["9", "NetFlow v9"]]) {
  test(`${label} → nfcapd: SCTP flows read back with both ports, ICMP flows with their type and code`, async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "fp-sctp-"));
    try {
      const sctp = Buffer.concat([P.udp(7, 9999), Buffer.alloc(4)]); // an SCTP common header (RFC 9260 §3.1)
      const file = path.join(dir, "sctp-icmp.pcap");
      writeFileSync(file, P.pcapFile(1, [
        P.eth(P.ETH_IPV4, P.ipv4(sctp, { proto: 132, src: "192.0.2.1", dst: "192.0.2.2" })),
        P.eth(P.ETH_IPV6, P.ipv6(sctp, { nh: 132, src: "2001:db8::1", dst: "2001:db8::2" })),
        P.eth(P.ETH_IPV4, P.ipv4(P.icmp(8, 0), { proto: 1, src: "192.0.2.1", dst: "192.0.2.2" })),
        P.eth(P.ETH_IPV6, P.ipv6(P.icmp(128, 0), { nh: 58, src: "2001:db8::1", dst: "2001:db8::2" })),
      ].map((data, i) => ({ ts: [1700000000 + i, 0], data }))));
      const nf = await startNfcapd();
      const r = flowprobe(["-r", file, "--seed", "1", "-d", `127.0.0.1:${nf.port}`, "--protocol", protocol]);
      const { flows } = await nf.stop();
      assert.equal(r.status, 0, r.stderr);
      const seen = flows.map((f) => [f.src4_addr ?? f.src6_addr, f.proto, f.proto === 132 ? `${f.src_port} → ${f.dst_port}` : `${f.icmp_type}.${f.icmp_code}`].join(" ")).sort();
      const want = ["192.0.2.1 132 7 → 9999", "2001:db8::1 132 7 → 9999", "192.0.2.1 1 8.0", "2001:db8::1 58 128.0"];
      assert.deepEqual(seen, want.sort());
      assert.equal(flows.length, 4);
    } finally {
      rmSync(dir, { recursive: true, force: true });
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
  // also with --no-summary: the only word of it then
  const quiet = flowprobe(["-r", file, "--seed", "1", "-d", `127.0.0.1:${port}`, "--no-summary"]);
  assert.equal(quiet.status, 0);
  assert.match(quiet.stderr, /^flowprobe: collector 127\.0\.0\.1:\d+ refuses datagrams/);
});
