// --mac: each flow's source and destination MAC address, those of its first packet, in JSON
// (src_mac, dst_mac) and in IPFIX / NetFlow v9 (fields 56 and 80) as nfdump and tshark read them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { flowprobe, fixtures, parseFlows, key } from "./helpers/run.mjs";
import { startNfcapd } from "./helpers/collector.mjs";
import * as P from "./helpers/packets.mjs";

const A = "0a:00:00:00:00:0a", B = "0b:00:00:00:00:0b", C = "0c:00:00:00:00:0c";

function withCapture(name, bytes, fn) {
  const dir = mkdtempSync(path.join(tmpdir(), "fp-mac-"));
  try {
    const file = path.join(dir, name);
    writeFileSync(file, bytes);
    return fn(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("--mac: a flow carries its first packet's MACs (IPv4, IPv6 behind a VLAN tag); without --mac no MAC fields", () => {
  const udp4 = P.ipv4(P.udp(1000, 53), { proto: 17, src: "10.0.0.1", dst: "10.0.0.2" });
  const udp6 = P.ipv6(P.udp(2000, 53), { nh: 17, src: "2001:db8::1", dst: "2001:db8::2" });
  const pcap = P.pcapFile(1, [
    { ts: [1700000000, 0], data: P.eth(P.ETH_IPV4, udp4, [], { src: A, dst: B }) },
    { ts: [1700000000, 1000], data: P.eth(P.ETH_IPV4, udp4, [], { src: C, dst: B }) }, // same flow, other MACs
    { ts: [1700000000, 2000], data: P.eth(P.ETH_IPV6, udp6, [[P.ETH_VLAN, 7]], { src: B, dst: C }) },
  ]);
  withCapture("macs.pcap", pcap, (file) => {
    const r = flowprobe(["-r", file, "--mac", "--no-summary"]);
    assert.equal(r.status, 0, r.stderr);
    const flows = parseFlows(r.stdout);
    assert.equal(flows.length, 2);
    const v4 = flows.find((f) => f.src_addr === "10.0.0.1");
    assert.deepEqual([v4.src_mac, v4.dst_mac, v4.packets], [A, B, 2n]);
    const v6 = flows.find((f) => f.src_addr === "2001:db8::1");
    assert.deepEqual([v6.src_mac, v6.dst_mac, v6.vlan_id], [B, C, 7n]);
    const plain = parseFlows(flowprobe(["-r", file, "--no-summary"]).stdout);
    assert.ok(plain.every((f) => !("src_mac" in f) && !("dst_mac" in f)));
  });
});

test("--mac: Linux cooked captures give the sender's MAC only; raw IP links none (left out of the JSON)", () => {
  const udp4 = P.ipv4(P.udp(1000, 53), { proto: 17, src: "10.0.0.1", dst: "10.0.0.2" });
  const sll = P.sll(P.ETH_IPV4, udp4);
  Buffer.from(A.replace(/:/g, ""), "hex").copy(sll, 6);
  withCapture("sll.pcap", P.pcapFile(113, [{ ts: [1700000000, 0], data: sll }]), (file) => {
    const [f] = parseFlows(flowprobe(["-r", file, "--mac", "--no-summary"]).stdout);
    assert.equal(f.src_mac, A);
    assert.ok(!("dst_mac" in f), "no destination MAC in a cooked header");
  });
  withCapture("raw.pcap", P.pcapFile(101, [{ ts: [1700000000, 0], data: udp4 }]), (file) => {
    const [f] = parseFlows(flowprobe(["-r", file, "--mac", "--no-summary"]).stdout);
    assert.equal(f.packets, 1n);
    assert.ok(!("src_mac" in f), "no MACs on a raw IP link");
  });
});

test("--mac with NetFlow v5 is a clear error", () => {
  const r = flowprobe(["-r", path.join(fixtures, "pcaps", "zeek--http--methods.pcap"), "--mac", "-d", "127.0.0.1:9", "--protocol", "5"]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--mac with --protocol 5: NetFlow v5 records have no MAC fields/);
});

/** Per 5-tuple, the MACs of its first packet in the capture, as tshark reads them. */
function firstMacs(file) {
  const out = execFileSync("tshark", ["-n", "-r", file, "-T", "fields", "-E", "separator=/t", "-e", "ip.src", "-e", "ip.dst", "-e", "ipv6.src", "-e", "ipv6.dst",
    "-e", "ip.proto", "-e", "ipv6.nxt", "-e", "tcp.srcport", "-e", "tcp.dstport", "-e", "udp.srcport", "-e", "udp.dstport", "-e", "eth.src", "-e", "eth.dst", "-e", "icmpv6.type", "-e", "esp.spi"], { encoding: "utf8" });
  const first = new Map();
  for (const line of out.trimEnd().split("\n")) {
    const f = line.split("\t").map((x) => x.split(",")[0]); // the outermost header
    // the transport protocol past any IPv6 extension headers
    const proto = f[6] ? 6 : f[8] ? 17 : f[12] ? 58 : f[13] ? 50 : Number(f[4] || f[5]);
    const src = f[0] || f[2], dst = f[1] || f[3];
    const k = key(src, dst, proto, Number(f[6] || f[8] || 0), Number(f[7] || f[9] || 0));
    if (!first.has(k)) first.set(k, [f[10], f[11]]);
  }
  return first;
}

const CAPTURES = ["zeek--http--methods.pcap", "zeek--ssh--ssh.pcap", "zeek--ip6_esp.pcap"];

test("--mac, JSON: every flow's MACs are its first packet's, as tshark reads the capture", () => {
  for (const name of CAPTURES) {
    const file = path.join(fixtures, "pcaps", name);
    const expected = firstMacs(file);
    const flows = parseFlows(flowprobe(["-r", file, "--mac", "--no-summary"]).stdout);
    assert.ok(flows.length > 0);
    for (const f of flows) {
      const k = key(f.src_addr, f.dst_addr, Number(f.proto), Number(f.src_port), Number(f.dst_port));
      assert.deepEqual([f.src_mac, f.dst_mac], expected.get(k), `${name} ${k}`);
    }
  }
});

for (const [protocol, label] of [["10", "IPFIX"], ["9", "NetFlow v9"]]) {
  test(`--mac, ${label} → nfcapd: nfdump reads each flow's first MACs (in_src_mac, in_dst_mac) as tshark reads the capture`, async () => {
    for (const name of CAPTURES) {
      const file = path.join(fixtures, "pcaps", name);
      const expected = firstMacs(file);
      const nf = await startNfcapd();
      const r = flowprobe(["-r", file, "--mac", "--seed", "1", "-d", `127.0.0.1:${nf.port}`, "--protocol", protocol]);
      const { flows, log } = await nf.stop();
      assert.equal(r.status, 0, r.stderr);
      assert.match(log, /Bad Packets: 0/);
      assert.ok(flows.length > 0);
      for (const f of flows) {
        const src = f.src4_addr ?? f.src6_addr, dst = f.dst4_addr ?? f.dst6_addr;
        const icmp = f.proto === 1 || f.proto === 58; // nfdump shows ICMP type and code as a port
        const k = key(src, dst, f.proto, icmp ? 0 : f.src_port, icmp ? 0 : f.dst_port);
        assert.deepEqual([f.in_src_mac, f.in_dst_mac], expected.get(k), `${name} ${k}`);
      }
    }
  });
}
