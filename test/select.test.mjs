// Selectors (src/config/select.ts compiles, assembly/cache/select.ts runs): a table of
// expressions × hand-made packets with the packets each must choose (every keyword,
// precedence, negation, VLAN-, QinQ-, PPPoE- and MPLS-framed packets); every syntax error
// with its exact message; several targets with their own selectors on one meter; interface
// names resolved and resolved again; outif through the routing table; the counts tcpdump's
// own filter gives over real captures; and a command-line run whose flows equal the oracle
// restricted to the selector (the restriction computed here from the oracle's 5-tuples).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { lib, defaults, meterBatch, newMeter } from "./helpers/meter.mjs";
import { flowprobe, fixtures, parseFlows, canon, key } from "./helpers/run.mjs";
import { startNfcapd } from "./helpers/collector.mjs";
import * as P from "./helpers/packets.mjs";

const L = lib.layout;
const T0 = 1_700_000_000_000_000_000n;
const ETH_MPLS = 0x8847, ETH_PPPOE = 0x8864, PPP_IPV4 = 0x0021, PPP_IPV6 = 0x0057;

// The packets: each its own flow, told apart by its first packet's time (T0 + i µs).
const PACKETS = [
  /* 0 */ { data: P.eth(P.ETH_IPV4, P.ipv4(P.tcp(1234, 25), { src: "10.0.0.1", dst: "192.168.5.9" })), ifindex: 3 },
  /* 1 */ { data: P.eth(P.ETH_IPV4, P.ipv4(P.udp(53, 5353), { src: "192.168.5.7", dst: "10.1.2.3", proto: 17 })), ifindex: 4 },
  /* 2 */ { data: P.eth(P.ETH_IPV4, P.ipv4(P.icmp(8, 0), { src: "10.0.0.1", dst: "8.8.8.8", proto: 1 })) }, // type/code 8/0 in the dst port: 2048
  /* 3 */ { data: P.eth(P.ETH_IPV6, P.ipv6(P.tcp(443, 50000), { src: "2001:db8::1", dst: "2001:db8:1::5", nh: 6 })) },
  /* 4 */ { data: P.eth(P.ETH_IPV6, P.ipv6(P.udp(546, 547), { src: "fe80::1", dst: "ff02::1:2", nh: 17 })) },
  /* 5 */ { data: P.eth(P.ETH_IPV6, P.ipv6(P.icmp(128, 0), { src: "2001:db8::1", dst: "2001:db8::2", nh: 58 })) },
  /* 6 */ { data: P.eth(P.ETH_IPV4, P.ipv4(P.tcp(80, 40000), { src: "10.0.0.5", dst: "10.9.9.9" }), [[P.ETH_VLAN, 10]]) },
  /* 7 */ { data: P.eth(P.ETH_IPV4, P.ipv4(P.udp(123, 123), { src: "172.16.0.1", dst: "172.16.0.2", proto: 17 }), [[P.ETH_QINQ, 100], [P.ETH_VLAN, 200]]) },
  /* 8 */ { data: P.eth(ETH_PPPOE, P.pppoe(PPP_IPV4, P.ipv4(P.tcp(5000, 25), { src: "100.64.0.1", dst: "192.168.5.1" }))) },
  /* 9 */ { data: P.eth(ETH_PPPOE, P.pppoe(PPP_IPV6, P.ipv6(P.udp(53, 33000), { src: "2001:db8::9", dst: "2001:db8::1", nh: 17 }))) },
  /* 10 */ { data: P.eth(P.ETH_IPV4, P.ipv4(P.udp(2905, 2905), { src: "10.0.0.1", dst: "10.0.0.2", proto: 132 })) }, // SCTP: ports first, as UDP's
  /* 11 */ { data: P.eth(P.ETH_IPV4, P.ipv4(Buffer.alloc(16, 7), { src: "10.0.0.1", dst: "10.0.0.2", proto: 17, fragOffset: 100 })) }, // a later fragment: no ports
  /* 12 */ { data: P.eth(ETH_MPLS, P.mpls([100], P.ipv4(P.tcp(2222, 22), { src: "10.0.0.7", dst: "10.0.0.8" }))) },
  /* 13 */ { data: P.eth(P.ETH_IPV4, P.ipv4(P.udp(514, 514), { src: "10.3.0.1", dst: "10.3.0.2", proto: 17 })), tpid: 0x8100, tci: 30, ifindex: 7 }, // a tag the kernel took off
  /* 14 */ { data: P.eth(P.ETH_IPV6, P.ipv6(Buffer.concat([P.ext6(6), P.tcp(1111, 80)]), { src: "2001:db8::a", dst: "2001:db8::b", nh: 0 })) }, // hop-by-hop, then TCP
].map((p, i) => ({ ...p, ts: T0 + BigInt(i) * 1000n }));
const ALL = PACKETS.map((_, i) => i);
const IPV4 = [0, 1, 2, 6, 7, 8, 10, 11, 12, 13], IPV6 = [3, 4, 5, 9, 14];
const TCP = [0, 3, 6, 8, 12, 14], UDP = [1, 4, 7, 9, 11, 13];
const not = (list) => ALL.filter((i) => !list.includes(i));

const TABLE = [
  ["", ALL],
  ["ip", IPV4], ["ip6", IPV6], ["not ip", IPV6], ["! ip6", IPV4],
  ["tcp", TCP], ["proto tcp", TCP], ["proto 6", TCP], ["proto \\tcp", TCP], ["not not tcp", TCP],
  ["udp", UDP], ["proto udp", UDP],
  ["icmp", [2]], ["proto icmp", [2]], ["icmp6", [5]], ["proto 58", [5]], ["sctp", [10]], ["proto sctp", [10]], ["proto 132", [10]],
  ["port 25", [0, 8]], ["dst port 25", [0, 8]], ["src port 25", []],
  ["port 2048", []], // ICMP's type and code are not a port
  ["port 0", [11]], // a later fragment's ports are 0, as its flow's are (tcpdump: no port at all)
  ["port 53", [1, 9]], ["src port 53", [1, 9]], ["dst port 53", []],
  ["port 500-600", [4, 13]], ["portrange 2000-3000", [10, 12]], ["port 2905", [10]],
  ["tcp port 80", [6, 14]], ["udp port 80", []], ["tcp dst port 80 or 22", [12, 14]], ["port 25 or 53", [0, 1, 8, 9]],
  ["host 10.0.0.1", [0, 2, 10, 11]], ["src host 10.0.0.1", [0, 2, 10, 11]], ["dst host 10.0.0.1", []], ["src 10.0.0.1", [0, 2, 10, 11]],
  ["ip host 10.0.0.1", [0, 2, 10, 11]], ["host 192.168.5.1 or 192.168.5.9", [0, 8]],
  ["host 2001:db8::1", [3, 5, 9]], ["dst host 2001:db8::1", [9]], ["host 2001:db8:0:0:0:0:0:1", [3, 5, 9]],
  ["net 192.168.5.0/24", [0, 1, 8]], ["dst net 192.168.5.0/24", [0, 8]], ["src net 192.168.5.0/24", [1]],
  ["net 192.168.5", [0, 1, 8]], ["net 192.168.0.0 mask 255.255.0.0", [0, 1, 8]], ["net 10/8", [0, 1, 2, 6, 10, 11, 12, 13]],
  ["net 0.0.0.0/0", IPV4], ["net ::/0", IPV6], ["ip6 net 2001:db8::/32", [3, 5, 9, 14]], ["net 2001:db8::/32", [3, 5, 9, 14]],
  ["src net 2001:db8:1::/48", []], ["dst net 2001:db8:1::/48", [3]], ["net fe80::/10", [4]],
  ["vlan", [6, 7, 13]], ["vlan 10", [6]], ["vlan 100", [7]], ["vlan 200", []], ["vlan 30", [13]], ["vlan 10 or 30", [6, 13]], ["not vlan", not([6, 7, 13])],
  ["inif 3", [0]], ["inif 7", [13]], ["inif 4 or inif 3", [0, 1]], ["inif 3 or 4", [0, 1]], ["inif 0", undefined], // (an error: below)
  // precedence as tcpdump's: not binds tightest; and/or are equal, left to right
  ["udp or tcp and port 25", [0, 8]],
  ["tcp and port 25 or udp", [0, 8, ...UDP]],
  ["udp or (tcp and port 25)", [0, 8, ...UDP]],
  ["not tcp and ip", [1, 2, 7, 10, 11, 13]],
  ["not (tcp or udp)", [2, 5, 10]],
  ["!(ip && udp) && ip", [0, 2, 6, 8, 10, 12]],
  ["ip6 and (port 53 or icmp6)", [5, 9]],
  ["(vlan or ip6) and not udp", [3, 5, 6, 14]],
  ["tcp && !port 25 || icmp", [2, 3, 6, 12, 14]],
].filter(([, want]) => want !== undefined);

/** The packets (indexes) target 0 of a meter with this selector metered, and the snapshot. */
async function chosenBy(select) {
  const { flows, snap, meter } = await meterBatch(PACKETS, { select });
  const picked = flows.map((f) => Number((f.time_flow_start_ns - T0) / 1000n)).sort((a, b) => a - b);
  return { picked, snap, selected: meter.core.targetU64(0, L.T_PACKETS) };
}

test("select: each expression chooses exactly its packets, under any framing", async () => {
  for (const [expr, want] of TABLE) {
    const { picked, snap, selected } = await chosenBy(expr);
    assert.deepEqual(picked, [...want].sort((a, b) => a - b), `select ${JSON.stringify(expr)}`);
    assert.equal(selected, BigInt(want.length), `${expr}: T_PACKETS = packets selected`);
    assert.equal(snap.metered, BigInt(want.length), expr);
    assert.equal(snap.unselected, BigInt(PACKETS.length - want.length), `${expr}: the others are unselected, not "no memory"`);
    assert.equal(snap.read, snap.metered + snap.unselected + snap.nonIp + snap.skippedTotal, `${expr}: read = metered + unselected + non-IP + skipped`);
    assert.equal(snap.skipped.get("noMemory") ?? 0n, 0n);
  }
});

test("select: the program is what the compiler says (tests, jumps forward, verdicts) and the core refuses a damaged one", () => {
  const s = lib.compileSelector("udp or tcp and port 25");
  const dv = new DataView(s.program.buffer);
  const n = dv.getUint32(L.SEL_COUNT, true);
  assert.equal(n, 3); // udp, tcp, port 25 (either side in one test): nothing repeated
  for (let i = 0; i < n; i++) {
    for (const f of [L.SI_TRUE, L.SI_FALSE]) {
      const j = dv.getUint16(L.SEL_INSNS + i * L.SEL_INSN_SIZE + f, true);
      assert.ok(j === L.SEL_ACCEPT || j === L.SEL_REJECT || (j > i && j < n), `test ${i} jumps forward`);
    }
  }
  assert.equal(lib.compileSelector(""), undefined);
  assert.equal(lib.compileSelector("   "), undefined);
  assert.equal(s.matchesIPv4 && s.matchesIPv6, true);
  assert.deepEqual([lib.compileSelector("ip6 and tcp").matchesIPv4, lib.compileSelector("net 2001:db8::/32").matchesIPv4, lib.compileSelector("not ip").matchesIPv4], [false, false, false]);
  assert.equal(lib.compileSelector("net 10.0.0.0/8 or net 2001:db8::/32").matchesIPv4, true);
  // ICMPv6 (protocol 58) is IPv6's: a selector that needs it selects no IPv4 packet (a v5
  // target refuses it); the extension headers' numbers are not IPv6-only — the parser walks
  // past them in IPv6 and reports an IPv4 packet's protocol as it is
  const v4 = (text) => lib.compileSelector(text).matchesIPv4;
  assert.deepEqual(["icmp6", "proto 58", "proto icmp6", "proto ipv6_icmp", "ip6 or proto 58", "icmp6 and port 0", "(icmp6 or ip6) and not tcp"].map(v4), Array(7).fill(false));
  assert.deepEqual(["not icmp6", "icmp6 or tcp", "proto 1", "proto 0", "proto 43", "proto 44", "proto 60", "proto 51", "ip and not proto 58"].map(v4), Array(9).fill(true));
  assert.equal(lib.compileSelector("icmp6").matchesIPv6, true);
  // a program whose jump goes backwards (a loop) or past its end is refused
  const { meter } = newMeter();
  const x = meter.core.x;
  for (const bad of [(d) => d.setUint16(L.SEL_INSNS + L.SI_TRUE, 0, true), (d) => d.setUint16(L.SEL_INSNS + L.SI_FALSE, 9, true), (d) => d.setUint8(L.SEL_INSNS + L.SI_OP, 99)]) {
    const p = lib.compileSelector("tcp or udp").program.slice();
    bad(new DataView(p.buffer));
    const at = x.allocSelector(p.length);
    meter.core.u8.set(p, at);
    assert.equal(x.setSelector(0, at, p.length), 2);
  }
  // and one claiming more tests than its block holds (found by review: read past the block)
  const p = lib.compileSelector("tcp or udp").program;
  const small = x.allocSelector(L.SEL_INSNS + L.SEL_INSN_SIZE);
  meter.core.u8.set(p.subarray(0, L.SEL_INSNS + L.SEL_INSN_SIZE), small);
  assert.equal(x.setSelector(0, small, L.SEL_INSNS + L.SEL_INSN_SIZE), 2, "two tests in a block of one");
  const whole = x.allocSelector(p.length);
  meter.core.u8.set(p, whole);
  assert.equal(x.setSelector(0, whole, p.length), 0);
});

// Every syntax error, with its message exactly.
const ERRORS = [
  ["src net 10.0.0.0/33", 'prefix length 33 is over 32 at column 9'],
  ["net 2001:db8::/129", 'prefix length 129 is over 128 at column 5'],
  ["net 10.0.0.0/x", 'prefix length "x" is not a number at column 5'],
  ["net 10.0.0.1/8", '10.0.0.1/8 has bits set past its prefix (did you mean 10.0.0.0/8?) at column 5'],
  ["net 2001:db8::1/32", '2001:db8::1/32 has bits set past its prefix (did you mean 2001:db8::/32?) at column 5'],
  ["net 10.0.0.0 mask 255.0.255.0", 'netmask 255.0.255.0 is not contiguous ones then zeros at column 19'],
  ["net 10.0.0.0 mask", 'expected a netmask a.b.c.d after "mask", but the text ends at column 18'],
  ["net 2001:db8:: mask 255.0.0.0", '"mask" is for IPv4 nets: write 2001:db8::/LENGTH at column 16'],
  // words that name a built-in of JavaScript's objects: unknown (they compiled to proto 0 and to a leaf of nothing)
  ["constructor", 'unknown word "constructor": expected host, net, port, portrange, proto, tcp, udp, sctp, icmp, icmp6, ip, ip6, vlan, inif, outif, not or "(" at column 1'],
  ["proto constructor", 'unknown protocol "constructor": expected icmp, igmp, tcp, udp, gre, esp, ah, icmp6, ipv6_icmp, ospf, pim, sctp, udplite or a number 0-255 at column 7'],
  ["proto __proto__", 'unknown protocol "__proto__": expected icmp, igmp, tcp, udp, gre, esp, ah, icmp6, ipv6_icmp, ospf, pim, sctp, udplite or a number 0-255 at column 7'],
  ["tcp or toString", 'unknown word "toString": expected host, net, port, portrange, proto, tcp, udp, sctp, icmp, icmp6, ip, ip6, vlan, inif, outif, not or "(" at column 8'],
  ["hots 10.0.0.1", 'unknown word "hots" (did you mean host?): expected host, net, port, portrange, proto, tcp, udp, sctp, icmp, icmp6, ip, ip6, vlan, inif, outif, not or "(" at column 1'],
  ["host", 'expected an IPv4 or IPv6 address after "host", but the text ends at column 5'],
  ["host 10.0.0.1/24", 'a host is one address: for a prefix write net 10.0.0.1/24 at column 6'],
  ["host 300.1.1.1", '"300.1.1.1" is not an IPv4 or IPv6 address at column 6'],
  ["host ::1::2", '"::1::2" is not an IPv4 or IPv6 address at column 6'],
  ["host 10.1", '"10.1" is not a whole IPv4 address at column 6'],
  ["port 70000", 'port 70000 is over 65535 at column 6'],
  ["port 90-80", 'port range 90-80 runs backwards (expected 80-90) at column 6'],
  ["port http", 'expected a port number 0-65535 or a range N-M, found "http" at column 6'],
  ["portrange 80", 'expected a port range N-M, found "80" at column 11'],
  ["proto foo", 'unknown protocol "foo": expected icmp, igmp, tcp, udp, gre, esp, ah, icmp6, ipv6_icmp, ospf, pim, sctp, udplite or a number 0-255 at column 7'],
  ["proto 300", 'protocol 300 is over 255 at column 7'],
  ["vlan 5000", 'VLAN id 5000 is over 4095 at column 6'],
  ["vlan x", 'expected a VLAN id 0-4095, found "x" at column 6'],
  ["inif", 'expected an interface name or number after "inif", but the text ends at column 5'],
  ["inif eth0/1", '"eth0/1" is not an interface name (1-15 letters, digits, _ . : @ -) or number at column 6'],
  ["inif 0", 'interface number 0 is out of range at column 6'],
  ["outif 0", 'interface number 0 is out of range at column 7'],
  ["port 80 and", 'expected a test (host, net, port, portrange, proto, tcp, udp, sctp, icmp, icmp6, ip, ip6, vlan, inif, outif, not or "(") after "and", but the text ends at column 12'],
  ["port 80 or or tcp", 'expected a test (host, net, port, portrange, proto, tcp, udp, sctp, icmp, icmp6, ip, ip6, vlan, inif, outif, not or "("), found "or" at column 12'],
  ["not", 'expected a test (host, net, port, portrange, proto, tcp, udp, sctp, icmp, icmp6, ip, ip6, vlan, inif, outif, not or "(") after "not", but the text ends at column 4'],
  ["(tcp or udp", 'expected ")" to close the "(" at column 1, but the text ends at column 12'],
  ["(tcp udp)", 'expected ")" to close the "(" at column 1, found "udp" at column 6'],
  ["tcp)", '")" without a "(" before it at column 4'],
  ["()", 'expected a test (host, net, port, portrange, proto, tcp, udp, sctp, icmp, icmp6, ip, ip6, vlan, inif, outif, not or "("), found ")" at column 2'],
  ["tcp udp", 'expected and, or or the end, found "udp" at column 5'],
  ["src tcp", 'expected host, net, port or portrange, found "tcp" at column 5'],
  ["dst", 'expected host, net, port or portrange after "dst", but the text ends at column 4'],
  ["src proto 6", 'expected host, net, port or portrange, found "proto" at column 5'],
  ["tcp host 1.2.3.4", '"tcp host": a host is an IP test (ip or ip6 may qualify it, tcp may not) at column 5'],
  ["icmp port 1", '"icmp" does not have ports (tcp, udp or sctp do) at column 6'],
  ["port 80 & tcp", '"&" is not an operator (expected && or and) at column 9'],
  ["port 80 | tcp", '"|" is not an operator (expected || or or) at column 9'],
];

test("select: every syntax error names the text, what is wrong, what was expected and the column", () => {
  for (const [text, what] of ERRORS) {
    assert.throws(() => lib.compileSelector(text), (e) => {
      assert.equal(e.message, `select: ${JSON.stringify(text)}: ${what}`);
      assert.ok(e instanceof lib.UsageError && e instanceof lib.SelectorError, "a usage error (exit status 2)");
      assert.equal(e.exitCode, 2);
      assert.equal(e.column, Number(/at column (\d+)$/.exec(what)[1]));
      assert.deepEqual([e.text, e.detail], [text, what]);
      return true;
    }, text);
  }
  // too deep, too long: refused with a message, not a stack overflow
  assert.throws(() => lib.compileSelector("(".repeat(300) + "tcp" + ")".repeat(300)), { message: /nested deeper than 256 \(parentheses and nots\) at column 257$/ });
  assert.throws(() => lib.compileSelector("not ".repeat(300) + "tcp"), { message: /nested deeper than 256 \(parentheses and nots\) at column 1025$/ });
  assert.equal(lib.compileSelector("(".repeat(200) + "tcp" + ")".repeat(200)).interfaceTests.length, 0);
  assert.throws(() => lib.compileSelector(Array(3000).fill("port 1").join(" or ")), { message: /words, over the 4096 a selector may have at column \d+$/ });
  assert.throws(() => lib.compileSelector(Array(1100).fill("tcp").join(" or ")), { message: /: 1100 tests, over the 1024 a selector may have at column 1$/ });
  // the meter and the command line say the same
  assert.throws(() => newMeter({ select: "src net 10.0.0.0/33" }), { message: 'select: "src net 10.0.0.0/33": prefix length 33 is over 32 at column 9' });
  const r = flowprobe(["-r", path.join(fixtures, "pcaps", "zeek--ftp--bruteforce.pcap"), "--select", "src net 10.0.0.0/33"]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /error: select: "src net 10\.0\.0\.0\/33": prefix length 33 is over 32 at column 9/);
  const v5 = flowprobe(["-r", path.join(fixtures, "pcaps", "zeek--ftp--bruteforce.pcap"), "-d", "127.0.0.1:9", "--protocol", "5", "--select", "ip6 and tcp"]);
  assert.equal(v5.status, 2);
  assert.match(v5.stderr, /--select "ip6 and tcp" with --protocol 5: it selects IPv6 packets only/);
  for (const sel of ["icmp6", "proto 58", "ip6 or proto 58"]) {
    const r5 = flowprobe(["-r", path.join(fixtures, "pcaps", "zeek--icmp--icmp6-ping.pcap"), "-d", "127.0.0.1:9", "--protocol", "5", "--select", sel]);
    assert.equal(r5.stderr, `flowprobe: error: --select ${JSON.stringify(sel)} with --protocol 5: it selects IPv6 packets only, and NetFlow v5 carries IPv4 only (use 9 or 10)\n`);
    assert.equal(r5.status, 2);
  }
});

test("select: several targets on one meter, each with its own selector (and one without), from one parse", async () => {
  const text = ["", "", ""];
  const meter = new lib.Meter([{ ...defaults, select: "tcp" }, { ...defaults, select: "udp or icmp6" }, { ...defaults }], 1n, {
    json: (lines, t) => (text[t] += Buffer.from(lines).toString("utf8")),
  });
  await meterBatch(PACKETS, {}, { meterState: { meter, text: () => "" } });
  const picked = (t) => parseFlows(text[t]).map((f) => Number((f.time_flow_start_ns - T0) / 1000n)).sort((a, b) => a - b);
  assert.deepEqual(picked(0), TCP);
  assert.deepEqual(picked(1), [...UDP, 5].sort((a, b) => a - b));
  assert.deepEqual(picked(2), ALL);
  assert.deepEqual([0, 1, 2].map((t) => meter.core.targetU64(t, L.T_PACKETS)), [BigInt(TCP.length), BigInt(UDP.length + 1), BigInt(ALL.length)]);
  const snap = meter.snapshot();
  assert.equal(snap.metered, BigInt(ALL.length));
  assert.equal(snap.unselected, 0n, "the target without a selector takes every packet");

  // two selecting targets only: what neither takes is unselected
  const two = new lib.Meter([{ ...defaults, select: "tcp" }, { ...defaults, select: "udp" }], 1n, { json: () => {} });
  await meterBatch(PACKETS, {}, { meterState: { meter: two, text: () => "" } });
  const s2 = two.snapshot();
  assert.equal(s2.metered, BigInt(TCP.length + UDP.length));
  assert.equal(s2.unselected, 3n); // ICMP, ICMPv6, SCTP
  assert.equal(s2.read, s2.metered + s2.unselected + s2.nonIp + s2.skippedTotal);
});

test("select: a target's selector changed between walk calls (a reload) applies from the next packet; a bad one leaves the old in force", async () => {
  const pkt = (i, proto) => ({ ts: T0 + BigInt(i) * 1000n, data: P.eth(P.ETH_IPV4, P.ipv4(proto === 6 ? P.tcp(1000 + i, 80) : P.udp(1000 + i, 53), { proto })) });
  const st = newMeter({ select: "tcp" });
  await meterBatch([pkt(0, 6), pkt(1, 17)], {}, { meterState: st, flush: false });
  st.meter.setSelector(0, "udp");
  assert.throws(() => st.meter.setSelector(0, "udp or"), lib.SelectorError);
  await meterBatch([pkt(2, 6), pkt(3, 17)], {}, { meterState: st, flush: false });
  st.meter.setSelector(0, undefined);
  const { flows, snap } = await meterBatch([pkt(4, 6), pkt(5, 17)], {}, { meterState: st });
  assert.deepEqual(flows.map((f) => Number(f.src_port) - 1000).sort(), [0, 3, 4, 5]);
  assert.equal(snap.unselected, 2n);
});

test("select: inif/outif names resolve to the numbers flows carry, and again when an interface comes back with a new one", async () => {
  const pkt = (i, ifindex) => ({ ts: T0 + BigInt(i) * 1000n, ifindex, data: P.eth(P.ETH_IPV4, P.ipv4(P.udp(1000 + i, 53), { proto: 17 })) });
  const st = newMeter({ select: "inif ppp0 or inif br-lan" });
  const core = st.meter.core;
  // before the names are known, a name matches nothing
  let r = await meterBatch([pkt(0, 5)], {}, { meterState: st, flush: false });
  assert.equal(core.targetU64(0, L.T_PACKETS), 0n);
  core.setInterfaceNames([[5, "ppp0"], [2, "br-lan"], [1, "lo"]]);
  r = await meterBatch([pkt(1, 5), pkt(2, 2), pkt(3, 1)], {}, { meterState: st, flush: false });
  assert.equal(core.targetU64(0, L.T_PACKETS), 2n);
  // the PPPoE link reconnects: ppp0 is now 9; 5 is no longer it
  core.setInterfaceNames([[9, "ppp0"], [2, "br-lan"], [1, "lo"]]);
  r = await meterBatch([pkt(4, 5), pkt(5, 9), pkt(6, 2)], {}, { meterState: st });
  assert.equal(core.targetU64(0, L.T_PACKETS), 4n);
  const ports = r.flows.map((f) => Number(f.src_port) - 1000).sort((a, b) => a - b);
  assert.deepEqual(ports, [1, 2, 5, 6]);
  assert.equal(r.snap.unselected, 3n);
});

test("select: a pcapng file's interface names (IDB if_name) serve inif", async () => {
  const frame = (sport) => P.eth(P.ETH_IPV4, P.ipv4(P.udp(sport, 53), { proto: 17 }));
  const ng = new P.Pcapng().shb().idb(1, { name: "eth0" }).idb(1, { name: "wlan0" })
    .epb(0, 1_000_000n, frame(1)).epb(1, 2_000_000n, frame(2)).epb(1, 3_000_000n, frame(3)).epb(0, 4_000_000n, frame(4));
  const dir = mkdtempSync(path.join(tmpdir(), "fp-sel-"));
  const file = path.join(dir, "names.pcapng");
  writeFileSync(file, ng.bytes());
  try {
    for (const [select, want] of [["inif wlan0", [2, 3]], ["inif eth0", [1, 4]], ["not inif eth0", [2, 3]], ["inif 2", [2, 3]], ["inif eth1", []]]) {
      const { meter, text } = newMeter({ select });
      await lib.meterFile(meter, file);
      await meter.flush();
      assert.deepEqual(parseFlows(text()).map((f) => Number(f.src_port)).sort(), want, select);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("select: outif follows the routing table (the route to the destination), or the capturing interface for a packet seen leaving", async () => {
  const st = newMeter({ select: "outif 6 or outif wan" });
  const core = st.meter.core;
  core.setInterfaceNames([[6, "lan2"], [2, "wan"], [3, "eth3"]]);
  const route = (prefix, dst, ifindex) => {
    const d = Buffer.alloc(16);
    dst.split(".").forEach((b, i) => (d[i] = Number(b)));
    return { family: 4, prefix, ifindex, dst: d, gateway: Buffer.alloc(16), metric: 0 };
  };
  lib.loadRoutes(core, [route(24, "192.168.5.0", 6), route(16, "10.1.0.0", 3), route(0, "0.0.0.0", 2)]);
  const pkt = (i, dst, extra = {}) => ({ ts: T0 + BigInt(i) * 1000n, data: P.eth(P.ETH_IPV4, P.ipv4(P.udp(1000 + i, 53), { proto: 17, dst })), ifindex: 3, ...extra });
  const { flows, snap } = await meterBatch([
    pkt(0, "192.168.5.20"), // → 6
    pkt(1, "10.1.2.3"), // → 3
    pkt(2, "8.8.8.8"), // → 2 (wan), by the default route
    pkt(3, "10.1.2.3"), // → 3 again (the last lookup remembered)
    pkt(4, "10.1.2.3", { pkttype: 4, ifindex: 6 }), // seen leaving by 6
    pkt(5, "192.168.5.21", { pkttype: 4, ifindex: 3 }), // seen leaving by 3, whatever the route says
  ], {}, { meterState: st });
  assert.deepEqual(flows.map((f) => Number(f.src_port) - 1000).sort(), [0, 2, 4]);
  assert.equal(snap.unselected, 3n);
  assert.equal(lib.compileSelector("outif wan").usesOutif, true);
  assert.equal(lib.compileSelector("inif wan").usesOutif, false);
});

// ---- tcpdump's own filter over real captures ----

/** Packets tcpdump's filter passes in a file. */
function tcpdumpCount(file, expr) {
  const r = spawnSync("tcpdump", ["-nn", "-r", file, expr], { encoding: "utf8", maxBuffer: 1 << 28 });
  assert.equal(r.status, 0, `tcpdump ${expr}: ${r.stderr}`);
  return r.stdout.split("\n").filter(Boolean).length;
}

/**
 * [capture, what tcpdump needs in front to read past the framing (its `vlan`, `pppoes`
 * shift the offsets of what follows; ours are parsed fields and need nothing), expressions].
 * Only IP packets are metered, so tcpdump's side is restricted to (ip or ip6) as well.
 */
const TCPDUMP = [
  ["zeek--ftp--bruteforce.pcap", "", [
    "port 21", "src port 21", "dst port 21", "tcp", "udp", "host 192.168.56.1", "src host 192.168.56.101", "dst host 192.168.56.101",
    "net 192.168.56.0/24", "net 192.168.0.0/16", "net 10.0.0.0/8", "not port 21", "port 21 and src host 192.168.56.1",
    "port 21 or port 20 and host 192.168.56.1", "!(tcp && dst port 21) || udp", "portrange 54000-54030", "tcp port 21 or 54020",
    "src portrange 54010-54020 or dst portrange 54040-54050", "ip", "ip6", "not ip", "proto 6", "tcp and not (port 21 or port 20)",
  ]],
  ["zeek--communityid--sctp.pcap", "", ["sctp", "proto 132", "sctp port 7", "port 7", "udp port 7", "src host 192.168.170.8", "sctp and dst net 192.168.170.56/32"]],
  ["zeek--icmp--icmp6-ping.pcap", "", ["icmp6", "ip6", "ip", "host 2001:4860:8006::63", "net 2620::/16", "src net 2620:0:e00::/48", "dst net 2001:4860::/32 and icmp6", "not icmp6"]],
  ["zeek--ipv4--fragmented-1.pcap", "", ["udp", "port 123", "udp port 137", "not port 123", "host 164.1.123.163"]],
  ["zeek--ipv6-fragmented-dns.pcap", "", ["udp", "ip6", "host 2607:f740:b::f93", "src host 2607:f740:b::f93", "net 2001:470::/32"]],
  ["zeek--http-vlan-0.pcap", "vlan and ", ["port 80", "tcp", "host 141.142.228.5 and dst port 80", "src net 192.150.187.0/24", "not port 80"]],
  ["zeek--http-qinq-0.pcap", "vlan and vlan and ", ["port 80", "src port 80", "host 192.150.187.43"]],
  ["zeek--pppoe.pcap", "pppoes and ", ["ip6", "ip", "udp", "not udp", "net fe80::/10", "dst net ff02::/16"]],
];

/**
 * Where the two languages mean different things, by design (src/config/select.ts says why):
 * [capture, framing, our expression, the tcpdump expression that means what ours does].
 * tcpdump's `icmp6`, `tcp` and `port` look at the first next header only; ours, after the
 * extension headers: the MLD reports of the PPPoE capture follow a hop-by-hop header, a TCP
 * SYN follows a routing header, and a first IPv6 fragment (offset 0) carries its UDP ports
 * after the fragment header.
 */
const TCPDUMP_DIFFERENT = [
  ["zeek--pppoe.pcap", "pppoes and ", "icmp6", "icmp6 or (ip6[6] = 0 and ip6[40] = 58)"],
  ["zeek--pppoe.pcap", "pppoes and ", "not icmp6", "not (icmp6 or (ip6[6] = 0 and ip6[40] = 58))"],
  ["zeek--chksums--ip6-route0-tcp-good-chksum.pcap", "", "tcp", "tcp or (ip6[6] = 43 and ip6[40] = 6)"],
  ["zeek--ipv6-fragmented-dns.pcap", "", "port 53", "port 53 or (ip6[6] = 44 and ip6[40] = 17 and ip6[42:2] & 0xfff8 = 0 and (ip6[48:2] = 53 or ip6[50:2] = 53))"],
];

test("select: the same packet counts as tcpdump's own filter over real captures, wherever both mean the same", async () => {
  for (const [name, framing, exprs] of TCPDUMP) {
    const file = path.join(fixtures, "pcaps", name);
    for (const expr of exprs) {
      const { meter } = newMeter({ select: expr });
      await lib.meterFile(meter, file);
      await meter.flush();
      const snap = meter.snapshot();
      assert.equal(snap.skippedTotal, 0n, `${name}: nothing skipped, so the comparison is whole`);
      const theirs = tcpdumpCount(file, `${framing}(ip or ip6) and (${expr})`);
      assert.equal(Number(snap.metered), theirs, `${name}: select ${JSON.stringify(expr)} vs tcpdump ${JSON.stringify(`${framing}(ip or ip6) and (${expr})`)}`);
    }
  }
  for (const [name, framing, ours, theirsExpr] of TCPDUMP_DIFFERENT) {
    const file = path.join(fixtures, "pcaps", name);
    const { meter } = newMeter({ select: ours });
    await lib.meterFile(meter, file);
    await meter.flush();
    const plain = tcpdumpCount(file, `${framing}(ip or ip6) and (${ours})`);
    const meant = tcpdumpCount(file, `${framing}(ip or ip6) and (${theirsExpr})`);
    assert.notEqual(plain, meant, `${name}: ${ours} does differ between the languages here`);
    assert.equal(Number(meter.snapshot().metered), meant, `${name}: select ${JSON.stringify(ours)} = tcpdump ${JSON.stringify(theirsExpr)}`);
  }
});

// ---- the command line ----

const inNet = (addr, net, len) => {
  const a = addr.split(".").map(Number), n = net.split(".").map(Number);
  const v = (x) => ((x[0] << 24) | (x[1] << 16) | (x[2] << 8) | x[3]) >>> 0;
  return len === 0 || v(a) >>> (32 - len) === v(n) >>> (32 - len);
};
const ported = (f) => f.proto === 6 || f.proto === 17 || f.proto === 132;
/** [capture, selector, the same restriction written over the oracle's 5-tuples]. */
const CLI = [
  ["zeek--ftp--bruteforce.pcap", "dst port 21 and src host 192.168.56.1", (f) => ported(f) && f.dport === 21 && f.src === "192.168.56.1"],
  ["zeek--ftp--bruteforce.pcap", "src net 192.168.56.100/30 or portrange 54030-54040", (f) => inNet(f.src, "192.168.56.100", 30) || (ported(f) && ((f.sport >= 54030 && f.sport <= 54040) || (f.dport >= 54030 && f.dport <= 54040)))],
  ["zeek--pppoe.pcap", "ip6 and not udp", (f) => f.src.includes(":") && f.proto !== 17],
  ["zeek--http-qinq-0.pcap", "vlan and src port 80", (f) => ported(f) && f.sport === 80],
  ["zeek--icmp--icmp6-ping.pcap", "icmp6 and src host 2001:4860:8006::63", (f) => f.proto === 58 && canon(f.src) === canon("2001:4860:8006::63")],
];

test("select: a command-line run with --select exports the oracle restricted to the selector", () => {
  for (const [name, select, keep] of CLI) {
    const file = path.join(fixtures, "pcaps", name);
    const oracle = JSON.parse(readFileSync(`${file}.oracle.json`, "utf8"));
    const want = new Map(oracle.flows.filter(keep).map((f) => [key(f.src, f.dst, f.proto, f.sport, f.dport), [f.packets, f.bytes]]));
    assert.ok(want.size > 0 && want.size < oracle.flows.length, `${name}: ${select} keeps some flows, not all`);
    const r = flowprobe(["-r", file, "--select", select]);
    assert.equal(r.status, 0, r.stderr);
    const got = new Map();
    for (const f of parseFlows(r.stdout)) {
      const k = key(f.src_addr, f.dst_addr, Number(f.proto), Number(f.src_port), Number(f.dst_port));
      const [p, b] = got.get(k) ?? [0, 0];
      got.set(k, [p + Number(f.packets), b + Number(f.bytes)]);
    }
    // ICMP's type and code travel in the JSON ports; the oracle's ports are 0 there
    const icmpless = new Map([...got].map(([k, v]) => [k.replace(/\|(1|58)\|\d+\|\d+$/, "|$1|0|0"), v]));
    assert.deepEqual(new Map([...icmpless].sort()), new Map([...want].sort()), `${name}: ${select}`);
    const packets = [...want.values()].reduce((n, [p]) => n + p, 0);
    const unselected = oracle.ip_packets - packets;
    assert.match(r.stderr, new RegExp(`metered ${packets.toLocaleString("en-US")} packets? .*not selected by any target ${unselected.toLocaleString("en-US")}, non-IP`), `${name}: the summary says how many no target selected`);
  }
});

test("select: --select into nfcapd (IPFIX and NetFlow v9): nfdump reads back the oracle restricted to the selector", async () => {
  for (const [name, select, keep] of [CLI[0], CLI[1], CLI[3]]) for (const protocol of ["10", "9"]) {
    const file = path.join(fixtures, "pcaps", name);
    const oracle = JSON.parse(readFileSync(`${file}.oracle.json`, "utf8"));
    const want = new Map(oracle.flows.filter(keep).map((f) => [key(f.src, f.dst, f.proto, f.sport, f.dport), [f.packets, f.bytes]]));
    const nf = await startNfcapd();
    const r = flowprobe(["-r", file, "--seed", "1", "-d", `127.0.0.1:${nf.port}`, "--protocol", protocol, "--export-rate", "0", "--select", select]);
    const { flows, log } = await nf.stop();
    assert.equal(r.status, 0, r.stderr);
    // nfdump 1.7 counts the IPFIX message after each one with options records as a gap
    // (export-nfcapd.test.mjs, nfdumpSequenceErrors): exactly that many, no lost datagram
    const sent = Number(/datagrams [\d,]+ = sent ([\d,]+) \+ not sent 0 /.exec(r.stderr)[1].replace(/,/g, ""));
    const errors = protocol === "10" && sent >= 2 ? 1 + Math.floor((sent - 2) / 20) : 0;
    assert.match(log, new RegExp(`Sequence Errors: ${errors}, Bad Packets: 0`), log);
    const got = new Map();
    for (const f of flows) {
      const k = key(f.src4_addr ?? f.src6_addr, f.dst4_addr ?? f.dst6_addr, f.proto, f.src_port, f.dst_port);
      const [p, b] = got.get(k) ?? [0, 0];
      got.set(k, [p + Number(f.in_packets), b + Number(f.in_bytes)]);
    }
    assert.deepEqual(new Map([...got].sort()), new Map([...want].sort()), `${name} v${protocol}: ${select}`);
  }
});

test("select: random combinations of the table's tests agree with set algebra on their answers (the jumps are wired right; and/or left to right)", async () => {
  // a small deterministic generator (mulberry32): the same expressions every run
  let seed = 12;
  const rand = () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const leaves = TABLE.filter(([e]) => e !== "" && !/ (or|and) /.test(e)).map(([e, want]) => [e, new Set(want)]);
  const pick = () => leaves[Math.floor(rand() * leaves.length)];
  const and = (a, b) => new Set([...a].filter((i) => b.has(i)));
  const or = (a, b) => new Set([...a, ...b]);
  const neg = (a) => new Set(ALL.filter((i) => !a.has(i)));
  /** A random tree, fully parenthesized: [text, set]. */
  const tree = (depth) => {
    if (depth === 0 || rand() < 0.25) {
      const [e, s] = pick();
      return rand() < 0.3 ? [`not (${e})`, neg(s)] : [`(${e})`, s];
    }
    const [a, sa] = tree(depth - 1), [b, sb] = tree(depth - 1);
    const r = rand();
    if (r < 0.4) return [`(${a} and ${b})`, and(sa, sb)];
    if (r < 0.8) return [`(${a} || ${b})`, or(sa, sb)];
    return [`!(${a} && ${b})`, neg(and(sa, sb))];
  };
  /** A flat chain `a and b or not c …`: equal precedence, folded left to right as tcpdump does. */
  const chain = () => {
    let [text, set] = pick();
    text = `(${text})`;
    for (let k = 1 + Math.floor(rand() * 4); k > 0; k--) {
      let [e, s] = pick();
      if (rand() < 0.3) (e = `not (${e})`), (s = neg(s));
      else e = `(${e})`;
      if (rand() < 0.5) (text += ` and ${e}`), (set = and(set, s));
      else (text += ` or ${e}`), (set = or(set, s));
    }
    return [text, set];
  };
  const cases = [...Array.from({ length: 60 }, () => tree(4)), ...Array.from({ length: 60 }, chain)];
  // sixteen targets per meter: one packet batch judges sixteen expressions
  for (let at = 0; at < cases.length; at += L.TARGET_MAX) {
    const batch = cases.slice(at, at + L.TARGET_MAX);
    const text = batch.map(() => "");
    const meter = new lib.Meter(batch.map(([select]) => ({ ...defaults, select })), 1n, { json: (lines, t) => (text[t] += Buffer.from(lines).toString("utf8")) });
    await meterBatch(PACKETS, {}, { meterState: { meter, text: () => "" } });
    batch.forEach(([select, want], t) => {
      const picked = parseFlows(text[t]).map((f) => Number((f.time_flow_start_ns - T0) / 1000n)).sort((a, b) => a - b);
      assert.deepEqual(picked, [...want].sort((a, b) => a - b), select);
    });
  }
});
