// Aggregation (--aggregation, ipt_NETFLOW's syntax; src/config/aggregation.ts parses,
// assembly/cache/key.ts applies): the exported flows, summed per key, equal the oracle's
// 5-tuples aggregated by the same rules — by test/helpers/aggregate.mjs, the tests' own
// reading of the rules — for every shared capture (JSON lines) and, read back by nfdump, for
// IPFIX and NetFlow v9 over IPv4 and IPv6. Aggregated flows are not ended by TCP FIN/RST;
// ICMP's type and code are not touched by port rules. Every parser error has its message.
import { test } from "node:test";
import assert from "node:assert/strict";
import { flowprobe, parseFlows, oracleCaptures } from "./helpers/run.mjs";
import { startNfcapd } from "./helpers/collector.mjs";
import { aggregateOracle, sumFlows } from "./helpers/aggregate.mjs";
import { lib, meterBatch } from "./helpers/meter.mjs";
import * as P from "./helpers/packets.mjs";

const { parseAggregation, aggregationProblems } = lib;

/** Overlapping rules, so that order and first-match-wins matter: 192.168/16 is cut to /24
 * before the catch-all /16 sees it; port 80 stays 80 before 0-1023 makes it 1. */
const RULES = [
  "192.168.0.0/16=24", "10.0.0.0/8=8", "0.0.0.0/0=16",
  "2001:db8::/32=48", "fe80::/10=16", "::/0=32",
  "80=80", "0-1023=1", "1024-65535=2",
];

const jsonFlows = (stdout) => parseFlows(stdout).map((f) => ({
  src: f.src_addr, dst: f.dst_addr, proto: Number(f.proto), sport: Number(f.src_port), dport: Number(f.dst_port), packets: f.packets, bytes: f.bytes,
}));
const sorted = (m) => [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

let fewer = 0;
for (const { file, name, oracle } of oracleCaptures()) {
  test(`aggregation, JSON lines = the oracle aggregated by the same rules: ${name}`, () => {
    const r = flowprobe(["-r", file, "--seed", "1", "--no-summary", "--aggregation", RULES.join(",")]);
    assert.equal(r.status, 0, r.stderr);
    const flows = jsonFlows(r.stdout);
    const want = aggregateOracle(oracle.flows, RULES);
    assert.deepEqual(sorted(sumFlows(flows)), sorted(want));
    assert.equal(flows.reduce((n, f) => n + f.packets, 0n), BigInt(oracle.ip_packets));
    if (want.size < oracle.flow_count) fewer++;
  });
}
test("aggregation made fewer flows than 5-tuples in most captures (the rules do something)", () => {
  assert.ok(fewer >= 20, `${fewer} captures`);
});

const NFCAPD_CASES = [
  ["zeek--http--methods.pcap", "10"], ["zeek--ssh--ssh.pcap", "9"], ["zeek--ipv6-http-atomic-frag.pcap", "10"],
  ["zeek--pppoe.pcap", "9"], ["zeek--ip6_esp.pcap", "10"], ["derived--mixed-links.pcapng", "10"],
];
for (const [name, protocol] of NFCAPD_CASES) {
  test(`aggregation → nfcapd (protocol ${protocol}): nfdump's flows = the oracle aggregated: ${name}`, async () => {
    const { file, oracle } = oracleCaptures().find((c) => c.name === name);
    const nf = await startNfcapd();
    const r = flowprobe(["-r", file, "--seed", "1", "-d", `127.0.0.1:${nf.port}`, "--protocol", protocol, "--aggregation", RULES.join(",")]);
    const { flows } = await nf.stop();
    assert.equal(r.status, 0, r.stderr);
    const got = flows.map((f) => ({
      src: f.src4_addr ?? f.src6_addr, dst: f.dst4_addr ?? f.dst6_addr, proto: f.proto, sport: f.src_port, dport: f.dst_port,
      packets: BigInt(f.in_packets), bytes: BigInt(f.in_bytes),
    }));
    const want = aggregateOracle(oracle.flows, RULES);
    assert.deepEqual(sorted(sumFlows(got)), sorted(want));
  });
}

test("aggregation with a field list without ports → nfcapd: per aggregated host pair and protocol, the oracle's totals", async () => {
  const FIELDS = ["sourceIPv4Address", "destinationIPv4Address", "protocolIdentifier", "octetDeltaCount", "packetDeltaCount", "flowStartMilliseconds", "flowEndMilliseconds"];
  for (const name of ["zeek--http--methods.pcap", "zeek--ipv6-http-atomic-frag.pcap", "derived--mixed-links.pcapng"]) {
    const { file, oracle } = oracleCaptures().find((c) => c.name === name);
    const nf = await startNfcapd();
    const r = flowprobe(["-r", file, "--seed", "1", "-d", `127.0.0.1:${nf.port}`, "--fields", FIELDS.join(","), "--aggregation", RULES.join(","),
      "--inactive-timeout", "86400", "--active-timeout", "604800"]);
    const { flows } = await nf.stop();
    assert.equal(r.status, 0, r.stderr);
    const got = flows.map((f) => ({ src: f.src4_addr ?? f.src6_addr, dst: f.dst4_addr ?? f.dst6_addr, proto: f.proto, packets: BigInt(f.in_packets), bytes: BigInt(f.in_bytes) }));
    const want = aggregateOracle(oracle.flows, RULES, { ports: false });
    const sums = sumFlows(got, { ports: false });
    assert.deepEqual(sorted(sums), sorted(want), name);
    // (mixed-links spans eleven years: its host pairs come back after more than a day, past the inactive timeout)
    if (name !== "derived--mixed-links.pcapng") assert.equal(flows.length, want.size, `${name}: one flow per aggregated host pair and protocol`);
  }
});

// hand-made packets: two TCP connections from one client to one server, each opened and
// closed (SYN … FIN), a second apart, well within the 15 s inactive timeout
const S = 1000000000n;
const conn = (t0, sport) => [0x02, 0x12, 0x10, 0x11, 0x11, 0x10].map((flags, i) => {
  const fromClient = i % 2 === 0;
  return {
    ts: t0 + BigInt(i) * 10000000n,
    data: P.eth(P.ETH_IPV4, P.ipv4(fromClient ? P.tcp(sport, 80, flags) : P.tcp(80, sport, flags), {
      proto: 6, src: fromClient ? "192.0.2.1" : "198.51.100.7", dst: fromClient ? "198.51.100.7" : "192.0.2.1",
    })),
  };
});
const TWO_CONNECTIONS = [...conn(1700000000n * S, 40001), ...conn(1700000001n * S, 40002)];
const JSON_TARGET = { format: "json" }; // (the TCP end grace of 2 s: a FIN ends a flow 2 s later)

test("TCP FIN/RST ends a flow of a full key, but not an aggregated one: only the timeouts do", async () => {
  const plain = await meterBatch(TWO_CONNECTIONS, JSON_TARGET);
  assert.equal(plain.flows.length, 4, "each direction of each connection");
  assert.ok(plain.flows.every((f) => f.flow_end_reason === 3n), "end of flow detected");
  const agg = await meterBatch(TWO_CONNECTIONS, { ...JSON_TARGET, aggregation: ["1024-65535=1024"] });
  assert.equal(agg.flows.length, 2, "client → server and back, each one aggregate");
  for (const f of agg.flows) {
    assert.equal(f.packets, 6n);
    assert.equal(f.flow_end_reason, 4n, "forced end (the input ended), not end of flow");
  }
  assert.deepEqual(agg.flows.map((f) => [f.src_port, f.dst_port]).sort(), [[1024n, 80n], [80n, 1024n]]);
  // and the inactive timeout still ends it: a packet 20 s later starts a new flow
  const later = { ts: 1700000030n * S, data: P.eth(P.ETH_IPV4, P.ipv4(P.tcp(40003, 80, 0x02), { proto: 6, src: "192.0.2.1", dst: "198.51.100.7" })) };
  const idle = await meterBatch([...TWO_CONNECTIONS, later], { ...JSON_TARGET, aggregation: ["1024-65535=1024"] });
  assert.deepEqual(idle.flows.map((f) => f.flow_end_reason).sort(), [1n, 1n, 4n], "two idle, the last forced");
});

test("a key without the protocol (a field list that leaves it out) is not ended by FIN/RST either, with or without the TCP end grace", async () => {
  // (flowEndReason: a JSON line carries the keys its list names, and this test reads the end reason)
  const fields = ["sourceIPv4Address", "destinationIPv4Address", "sourceTransportPort", "destinationTransportPort", "octetDeltaCount", "packetDeltaCount", "flowEndReason"];
  for (const tcpEndTimeoutS of [0, 2]) {
    const r = await meterBatch(TWO_CONNECTIONS, { ...JSON_TARGET, fields, tcpEndTimeoutS });
    assert.equal(r.flows.length, 4, `tcp end ${tcpEndTimeoutS}: each direction of each connection`);
    assert.ok(r.flows.every((f) => f.flow_end_reason === 4n && f.packets === 3n), `tcp end ${tcpEndTimeoutS}: whole, and ended by the end of input`);
  }
});

test("a netmask rule alone aggregates too, and FIN/RST does not end its flows", async () => {
  const agg = await meterBatch(TWO_CONNECTIONS, { ...JSON_TARGET, aggregation: ["192.0.2.0/24=24"] });
  // the ports are still keys: four flows, none ended by the FIN
  assert.equal(agg.flows.length, 4);
  assert.ok(agg.flows.every((f) => f.flow_end_reason === 4n));
});

test("port rules leave ICMP's type and code alone; netmask rules apply to ICMP addresses", async () => {
  const ping = (ts, type) => ({ ts, data: P.eth(P.ETH_IPV4, P.ipv4(P.icmp(type, 0), { proto: 1, src: "10.1.2.3", dst: "10.9.8.7" })) });
  const r = await meterBatch([ping(1700000000n * S, 8), ping(1700000000n * S + 1000n, 0)], { format: "json", aggregation: ["0-65535=7", "10.0.0.0/8=8"] });
  const got = r.flows.map((f) => [f.src_addr, f.dst_addr, f.icmp_type, f.icmp_code]).sort();
  assert.deepEqual(got, [["10.0.0.0", "10.0.0.0", 0n, 0n], ["10.0.0.0", "10.0.0.0", 8n, 0n]], "echo reply and request: two flows, their types kept");
});

test("IPv6 netmask rules: first match wins, to source and destination alike", async () => {
  const pkt = (src, dst, sport) => ({ ts: 1700000000n * S, data: P.eth(P.ETH_IPV6, P.ipv6(P.udp(sport, 53), { nh: 17, src, dst })) });
  // /56 keeps 2001:db8:1:2 of 2001:db8:1:2ff::1 (and of :3ff, :3); /40 keeps 2001:db8:ff of 2001:db8:ffff::
  const r = await meterBatch([pkt("2001:db8:1:2ff::1", "2001:db8:ffff::9", 5000), pkt("2001:db8:1:3ff::1", "2001:db8:ffff::10", 5000),
    pkt("2001:db8:1:3::1", "2001:db8:ff12::10", 5000)],
    { format: "json", aggregation: ["2001:db8:1::/48=56", "2001:db8::/32=40"] });
  const got = r.flows.map((f) => [f.src_addr, f.dst_addr, f.packets]).sort();
  assert.deepEqual(got, [["2001:db8:1:200::", "2001:db8:ff00::", 1n], ["2001:db8:1:300::", "2001:db8:ff00::", 1n], ["2001:db8:1::", "2001:db8:ff00::", 1n]].sort());
});

// ---- the parser: every error, and what it accepts ----

const ERRORS = [
  ["", /empty rule: expected NET\/LEN=LEN \(192\.0\.0\.0\/8=16, 2001:db8::\/32=48\) or PORT\[-PORT\]=PORT \(80-89=80\)/],
  ["10.0.0.0/8", /"10\.0\.0\.0\/8": expected NET\/LEN=LEN/],
  ["10.0.0.0/8=16=24", /"10\.0\.0\.0\/8=16=24": expected NET\/LEN=LEN/],
  ["=16", /"=16": expected NET\/LEN=LEN/],
  ["10.0.0.0/8/9=16", /one "\/" expected in NET\/LEN/],
  ["10.0.0/8=16", /"10\.0\.0" is not an IPv4 or IPv6 address/],
  ["host/8=16", /"host" is not an IPv4 or IPv6 address/],
  ["fe80::%eth0/10=16", /"fe80::%eth0" is not an IPv4 or IPv6 address/],
  ["10.0.0.0/x=16", /prefix length "x" is not a number \(0 to 32\)/],
  ["10.0.0.0/33=8", /"10\.0\.0\.0\/33=8": prefix length 33 is over 32 \(an IPv4 prefix is 0 to 32\)/],
  ["2001:db8::/129=130", /prefix length 129 is over 128 \(an IPv6 prefix is 0 to 128\)/],
  ["10.0.0.0/8=33", /aggregate length 33 is over 32 \(an IPv4 address has 32 bits\)/],
  ["2001:db8::/32=129", /aggregate length 129 is over 128 \(an IPv6 address has 128 bits\)/],
  ["10.0.0.0/8=x", /aggregate length "x" is not a number \(8 to 32\)/],
  ["10.0.0.0/16=8", /aggregate length 8 is shorter than the prefix \/16: the net's addresses would leave it \(expected 16 to 32\)/],
  ["10.1.1.1/8=16", /10\.1\.1\.1 has bits set past \/8 \(did you mean 10\.0\.0\.0\/8=16\?\)/],
  ["2001:db8:1::/32=48", /2001:db8:1:: has bits set past \/32 \(did you mean 2001:db8::\/32=48\?\)/],
  ["89-80=80", /"89-80=80": port range reversed \(89 is above 80; did you mean 80-89=80\?\)/],
  ["80-89-90=80", /"80-89-90=80": expected NET\/LEN=LEN/],
  ["http=80", /port "http" is not a port number \(0 to 65535\)/],
  ["65536=80", /port "65536" is not a port number \(0 to 65535\)/],
  ["80-90=65536", /port "65536" is not a port number \(0 to 65535\)/],
  [42, /expected a rule \(a string\), not 42/],
];
for (const [rule, message] of ERRORS) {
  test(`aggregation rule ${JSON.stringify(rule)}: ${message.source.slice(0, 60)}`, () => {
    const problems = aggregationProblems([rule]);
    assert.equal(problems.length, 1);
    assert.equal(problems[0].index, 0);
    assert.match(problems[0].message, message);
  });
}

test("aggregation: not a list; too many rules of a kind; every problem named at once", () => {
  assert.match(aggregationProblems("10.0.0.0/8=16")[0].message, /expected a list of rules, not "10\.0\.0\.0\/8=16"/);
  const many = Array.from({ length: 65 }, (_, i) => `${i}=1`);
  assert.deepEqual(aggregationProblems(many), [{ index: 64, message: "more than 64 port rules" }]);
  const v4 = Array.from({ length: 65 }, (_, i) => `10.${i}.0.0/16=24`);
  assert.deepEqual(aggregationProblems(v4), [{ index: 64, message: "more than 64 IPv4 netmask rules" }]);
  assert.throws(() => parseAggregation(["89-80=80", "10.0.0.0/33=8"]), (e) =>
    e.code === "E_USAGE" && e.exitCode === 2 && e.message.split("\n").length === 2 && /^--aggregation: "89-80=80"/.test(e.message));
});

test("aggregation: what the parser accepts", () => {
  const a = parseAggregation(["192.0.0.0/8=16", "2001:db8::/32=48", "::ffff:10.0.0.0/104=112", "80-89=80", "3128=80", " 0.0.0.0/0=0 "]);
  assert.deepEqual(a.nets4, [{ family: 4, words: [0xc0000000], prefix: 8, to: 16 }, { family: 4, words: [0], prefix: 0, to: 0 }]);
  assert.deepEqual(a.nets6, [
    { family: 6, words: [0x20010db8, 0, 0, 0], prefix: 32, to: 48 },
    { family: 6, words: [0, 0, 0xffff, 0x0a000000], prefix: 104, to: 112 },
  ]);
  assert.deepEqual(a.ports, [{ first: 80, last: 89, to: 80 }, { first: 3128, last: 3128, to: 80 }]);
});

test("--aggregation on the command line: a bad rule is a usage error (exit 2) naming it", () => {
  const r = flowprobe(["-r", "/dev/null", "--aggregation", "10.0.0.0/8=16,10.0.0.0/33=8"]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--aggregation: "10\.0\.0\.0\/33=8": prefix length 33 is over 32/);
});

// A review found these: the destination-port field holds an ICMP flow's type and code and the
// other flows' port, and a list may key on one without the other.
test("a field list with the ICMP type/code and no ports does not split TCP flows by port; one with ports and no ICMP field merges ICMP types", async () => {
  const t0 = 1700000000n * S;
  const tcpTo = (dport, i) => ({ ts: t0 + BigInt(i) * S, data: P.eth(P.ETH_IPV4, P.ipv4(P.tcp(40000 + i, dport, 0x10), { proto: 6, src: "192.0.2.1", dst: "198.51.100.7" })) });
  const icmp = (type, i) => ({ ts: t0 + BigInt(10 + i) * S, data: P.eth(P.ETH_IPV4, P.ipv4(P.icmp(type, 0), { proto: 1, src: "192.0.2.1", dst: "198.51.100.7" })) });
  const packets = [tcpTo(80, 0), tcpTo(443, 1), tcpTo(22, 2), icmp(8, 0), icmp(13, 1), icmp(8, 2)];
  const icmpOnly = await meterBatch(packets, { ...JSON_TARGET, fields: ["sourceIPv4Address", "destinationIPv4Address", "protocolIdentifier", "icmpTypeCodeIPv4", "octetDeltaCount", "packetDeltaCount"] });
  const byProto = (r) => r.flows.map((f) => `${f.proto} ${f.proto === 1n ? `icmp ${f.icmp_type ?? "-"}` : f.dst_port ?? "-"} ${f.packets}`).sort();
  assert.deepEqual(byProto(icmpOnly), ["1 icmp 13 1", "1 icmp 8 2", "6 - 3"], "TCP: one flow; ICMP: a flow per type (8 twice, 13 once)");
  const portsOnly = await meterBatch(packets, { ...JSON_TARGET, fields: ["sourceIPv4Address", "destinationIPv4Address", "protocolIdentifier", "destinationTransportPort", "octetDeltaCount", "packetDeltaCount"] });
  assert.deepEqual(byProto(portsOnly), ["1 icmp - 3", "6 22 1", "6 443 1", "6 80 1"], "TCP: a flow per port; ICMP: one flow");
});
