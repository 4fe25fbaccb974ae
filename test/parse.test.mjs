// The header parser, one header kind at a time, fed through the batch-record contract that
// live sources use. Each case says what the flow key and counters must be.
import { test } from "node:test";
import assert from "node:assert/strict";
import { meterBatch } from "./helpers/meter.mjs";
import * as P from "./helpers/packets.mjs";

const T0 = 1_700_000_000_000_000_000n;
const one = (data, extra = {}) => meterBatch([{ ts: T0, data, ...extra }]);
const skippedBy = (snap, key) => snap.skipped.get(key) ?? 0n;

test("Ethernet IPv4 TCP: 5-tuple, bytes = total length, flags, tos, ttl", async () => {
  const ip = P.ipv4(P.tcp(1234, 80, 0x02), { src: "192.0.2.1", dst: "198.51.100.7", tos: 0x28, ttl: 33 });
  const frame = Buffer.concat([P.eth(P.ETH_IPV4, ip), Buffer.alloc(6)]); // Ethernet padding is not counted
  const { flows, snap } = await one(frame);
  assert.equal(flows.length, 1);
  const f = flows[0];
  assert.deepEqual([f.src_addr, f.dst_addr, f.proto, f.src_port, f.dst_port], ["192.0.2.1", "198.51.100.7", 6n, 1234n, 80n]);
  assert.equal(f.bytes, BigInt(ip.length));
  assert.equal(f.packets, 1n);
  assert.equal(f.tcp_flags, 2n);
  assert.equal(f.ip_tos, 0x28n);
  assert.equal(f.ip_ttl_min, 33n);
  assert.equal(f.etype, 2048n);
  assert.equal(f.time_flow_start_ns, T0);
  assert.equal(snap.metered, 1n);
});

test("IPv4 options are skipped to reach the ports", async () => {
  const ip = P.ipv4(P.udp(53, 5353), { proto: 17, options: Buffer.from([1, 1, 1, 0]) });
  const { flows } = await one(P.eth(P.ETH_IPV4, ip));
  assert.deepEqual([flows[0].src_port, flows[0].dst_port], [53n, 5353n]);
});

test("802.1Q and QinQ tags: outer and inner VLAN id in the flow", async () => {
  const ip = P.ipv4(P.udp(1, 2), { proto: 17 });
  let { flows } = await one(P.eth(P.ETH_IPV4, ip, [[P.ETH_VLAN, 123]]));
  assert.equal(flows[0].vlan_id, 123n);
  ({ flows } = await one(P.eth(P.ETH_IPV4, ip, [[P.ETH_QINQ, 100], [P.ETH_VLAN, 200]])));
  assert.deepEqual([flows[0].vlan_id, flows[0].vlan_id_inner], [100n, 200n]);
});

test("a tag the kernel moved out of the frame (batch TPID/TCI) is the outer VLAN", async () => {
  const ip = P.ipv4(P.udp(1, 2), { proto: 17 });
  const { flows } = await one(P.eth(P.ETH_IPV4, ip, [[P.ETH_VLAN, 7]]), { tpid: 0x88a8, tci: 0x2000 | 300 });
  assert.deepEqual([flows[0].vlan_id, flows[0].vlan_id_inner], [300n, 7n]);
});

test("MPLS label stack: IP below the bottom of stack", async () => {
  const ip = P.ipv6(P.tcp(4000, 443), { src: "2001:db8::a", dst: "2001:db8::b" });
  const { flows } = await one(P.eth(0x8847, P.mpls([16, 17, 18], ip)));
  assert.deepEqual([flows[0].src_addr, flows[0].proto, flows[0].dst_port, flows[0].etype], ["2001:db8::a", 6n, 443n, 34525n]);
});

test("PPPoE session: IPv4 and IPv6 inside; LCP is not IP", async () => {
  const ip4 = P.ipv4(P.tcp(1, 2), { src: "100.64.0.1" });
  const ip6 = P.ipv6(P.udp(3, 4), { nh: 17 });
  const { flows, snap } = await meterBatch([
    { ts: T0, data: P.eth(0x8864, P.pppoe(0x0021, ip4)) },
    { ts: T0, data: P.eth(0x8864, P.pppoe(0x0057, ip6)) },
    { ts: T0, data: P.eth(0x8864, P.pppoe(0xc021, Buffer.alloc(10))) },
  ]);
  assert.equal(flows.length, 2);
  assert.equal(snap.nonIp, 1n);
  assert.equal(snap.metered, 2n);
});

test("IPv6 extension headers: hop-by-hop, routing, destination options, AH are walked", async () => {
  const l4 = P.udp(7, 8);
  // hop-by-hop → routing → destination options → AH → UDP
  const hbh = P.ext6(43), rt = P.ext6(60), dst = P.ext6(51);
  const pkt = P.ipv6(Buffer.concat([hbh, rt, dst, P.ah(17), l4]), { nh: 0 });
  const { flows } = await one(P.eth(P.ETH_IPV6, pkt));
  assert.deepEqual([flows[0].proto, flows[0].src_port, flows[0].dst_port], [17n, 7n, 8n]);
  assert.equal(flows[0].bytes, BigInt(pkt.length));
});

test("fragments: the first carries the ports, later ones count with ports 0 (IPv4 and IPv6)", async () => {
  const first4 = P.ipv4(P.udp(1000, 2000, Buffer.alloc(16)), { proto: 17, mf: true });
  const later4 = P.ipv4(Buffer.alloc(24), { proto: 17, fragOffset: 3 });
  const first6 = P.ipv6(Buffer.concat([P.frag6(17, 0, true), P.udp(3000, 4000, Buffer.alloc(16))]), { nh: 44 });
  const later6 = P.ipv6(Buffer.concat([P.frag6(17, 3), Buffer.alloc(24)]), { nh: 44 });
  const { flows } = await meterBatch([first4, later4, first6, later6].map((ip, i) => ({
    ts: T0 + BigInt(i), data: P.eth(i < 2 ? P.ETH_IPV4 : P.ETH_IPV6, ip),
  })));
  const ports = flows.map((f) => `${f.etype}:${f.proto}:${f.src_port}:${f.dst_port}`).sort();
  assert.deepEqual(ports, ["2048:17:0:0", "2048:17:1000:2000", "34525:17:0:0", "34525:17:3000:4000"]);
});

test("UDP-Lite and SCTP carry ports; ICMP and ICMPv6 carry type and code, ports 0", async () => {
  const { flows } = await meterBatch([
    { ts: T0, data: P.eth(P.ETH_IPV4, P.ipv4(P.udp(11, 12), { proto: 136 })) },
    { ts: T0, data: P.eth(P.ETH_IPV4, P.ipv4(Buffer.concat([P.udp(13, 14), Buffer.alloc(4)]), { proto: 132 })) },
    { ts: T0, data: P.eth(P.ETH_IPV4, P.ipv4(P.icmp(3, 1), { proto: 1 })) },
    { ts: T0, data: P.eth(P.ETH_IPV6, P.ipv6(P.icmp(135, 0), { nh: 58 })) },
  ]);
  const by = Object.fromEntries(flows.map((f) => [String(f.proto), f]));
  assert.deepEqual([by[136].src_port, by[136].dst_port], [11n, 12n]);
  assert.deepEqual([by[132].src_port, by[132].dst_port], [13n, 14n]);
  assert.deepEqual([by[1].src_port, by[1].dst_port, by[1].icmp_type, by[1].icmp_code], [0n, 0n, 3n, 1n]);
  assert.deepEqual([by[58].icmp_type, by[58].icmp_code, by[58].dst_port], [135n, 0n, 0n]);
});

test("ICMP type/code is part of the key: echo and unreachable are two flows", async () => {
  const { flows } = await meterBatch([
    { ts: T0, data: P.eth(P.ETH_IPV4, P.ipv4(P.icmp(8, 0), { proto: 1 })) },
    { ts: T0, data: P.eth(P.ETH_IPV4, P.ipv4(P.icmp(3, 3), { proto: 1 })) },
  ]);
  assert.equal(flows.length, 2);
});

test("link types: SLL, SLL2 (its ifindex), NULL both byte orders, LOOP, raw, IPv4/IPv6-only, PPP", async () => {
  const ip = P.ipv4(P.tcp(5, 6));
  const ip6 = P.ipv6(P.tcp(5, 6));
  const le = (v) => { const b = Buffer.alloc(4); b.writeUInt32LE(v); return b; };
  const be = (v) => { const b = Buffer.alloc(4); b.writeUInt32BE(v); return b; };
  const cases = [
    [113, P.sll(0x0800, ip)],
    [276, P.sll2(0x86dd, 42, ip6)],
    [0, Buffer.concat([le(2), ip])],
    [0, Buffer.concat([be(2), ip])], // NULL written on a big-endian host
    [0, Buffer.concat([le(30), ip6])], // macOS AF_INET6
    [108, Buffer.concat([be(24), ip6])],
    [101, ip], [12, ip6], [14, ip], [228, ip], [229, ip6],
    [9, Buffer.concat([Buffer.from([0xff, 0x03, 0x00, 0x21]), ip])],
    [9, Buffer.concat([Buffer.from([0x57]), ip6])], // protocol-field compression
  ];
  const { flows, snap } = await meterBatch(cases.map(([linktype, data], i) => ({ ts: T0 + BigInt(i), data, linktype, ifindex: 5 })));
  assert.equal(snap.metered, BigInt(cases.length), [...snap.skipped].join(" "));
  const sll2 = flows.find((f) => f.in_if === 42n);
  assert.ok(sll2, "SLL2's ifindex becomes in_if");
  assert.equal(flows.filter((f) => f.in_if === 5n).reduce((n, f) => n + f.packets, 0n), BigInt(cases.length - 1));
});

test("non-IP frames are counted as such, not metered", async () => {
  const { snap, flows } = await meterBatch([
    { ts: T0, data: P.eth(0x0806, Buffer.alloc(28)) }, // ARP
    { ts: T0, data: P.eth(0x88cc, Buffer.alloc(30)) }, // LLDP
    { ts: T0, data: Buffer.concat([Buffer.alloc(12), Buffer.from([0x00, 0x26, 0x42, 0x42, 0x03]), Buffer.alloc(40)]) }, // STP (802.3 + LLC)
  ]);
  assert.equal(snap.nonIp, 3n);
  assert.equal(flows.length, 0);
});

test("malformed headers are counted by reason and skipped, never trapped", async () => {
  const good = P.ipv4(P.tcp(1, 2));
  const badVersion = Buffer.from(good); badVersion[0] = 0x55;
  const badIhl = Buffer.from(good); badIhl[0] = 0x43;
  const badTotal = P.ipv4(P.tcp(1, 2), { totalLength: 10 });
  const overTotal = P.ipv4(P.tcp(1, 2), { totalLength: 1400 });
  const v6zero = P.ipv6(P.tcp(1, 2), { payloadLength: 0 });
  const v6ext = P.eth(P.ETH_IPV6, P.ipv6(Buffer.concat([P.ext6(6), P.tcp(1, 2)]), { nh: 0 }));
  // [whole frame, bytes captured of it, reason]
  const cases = [
    [P.eth(P.ETH_IPV4, good), 10, "truncated_link"],
    [P.eth(P.ETH_IPV4, good), 24, "truncated_ip"],
    [P.eth(P.ETH_IPV4, badVersion), 54, "bad_version"],
    [P.eth(P.ETH_IPV4, badIhl), 54, "bad_header_length"],
    [P.eth(P.ETH_IPV4, badTotal), 54, "bad_total_length"],
    [P.eth(P.ETH_IPV4, overTotal), 54, "bad_total_length"],
    [P.eth(P.ETH_IPV6, v6zero), 74, "bad_total_length"],
    [P.eth(P.ETH_IPV4, good), 14 + 20 + 2, "truncated_transport"],
    [v6ext, 14 + 40 + 1, "truncated_ipv6_ext"],
    [P.eth(0x8100, Buffer.alloc(1)), 15, "truncated_link"],
    [P.eth(0x8847, Buffer.from([0, 0, 0, 64])), 18, "truncated_link"], // label without bottom-of-stack
  ];
  for (const [frame, caplen, reason] of cases) {
    const { snap } = await meterBatch([{ ts: T0, data: frame.subarray(0, caplen), wire: frame.length }]);
    assert.equal(skippedBy(snap, reason), 1n, `${reason}: ${[...snap.skipped].join(" ")}`);
    assert.equal(snap.read, snap.metered + snap.nonIp + snap.skippedTotal);
  }
  const { snap } = await meterBatch([{ ts: T0, data: good, linktype: 147 }]);
  assert.equal(skippedBy(snap, "unknown_linktype"), 1n);
});

test("IPv6 addresses print as RFC 5952 text", async () => {
  const cases = [
    ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"],
    ["2001:0:0:1:0:0:0:1", "2001:0:0:1::1"],
    ["0:0:0:0:0:0:0:1", "::1"],
    ["fe80:0:0:0:0:0:0:0", "fe80::"],
    ["2001:db8:1:2:3:4:5:6", "2001:db8:1:2:3:4:5:6"],
    ["2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"],
    ["0:0:0:0:0:ffff:c000:201", "::ffff:192.0.2.1"],
  ];
  for (const [input, want] of cases) {
    const { flows } = await one(P.eth(P.ETH_IPV6, P.ipv6(P.udp(1, 2), { nh: 17, src: input })));
    assert.equal(flows[0].src_addr, want);
  }
});

test("every value but the addresses is an integer; times exact past 2^53", async () => {
  const ts = 18_000_000_000_123_456_789n; // year 2540: a u64 ns time no double can hold
  const { flows } = await meterBatch([{ ts, data: P.eth(P.ETH_IPV4, P.ipv4(P.tcp(1, 2))) }]);
  assert.equal(flows[0].time_flow_start_ns, ts);
  assert.equal(flows[0].time_flow_end_ns, ts);
});
