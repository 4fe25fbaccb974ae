// A gateway, for real: three namespaces the test creates (client — router — server), veth
// links, forwarding on, the router masquerading the client's network (nft). Real traffic
// (iperf3 TCP and UDP with byte bounds, ping, ping -6) crosses the router; flowprobe runs in
// the router namespace. Proof by tools nobody here wrote: nfcapd/nfdump reads flowprobe's
// IPFIX, and tcpdump (-Q in) on the same interfaces, totalled by tshark, is the reference.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { cli, parseFlows, canon } from "./helpers/run.mjs";
import { makeNs, until } from "./helpers/netns.mjs";
import { startNfcapd } from "./helpers/collector.mjs";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const portless = (proto) => proto === 1 || proto === 58;
const keyOf = (src, dst, proto, sport, dport) =>
  portless(proto) ? `${canon(src)}|${canon(dst)}|${proto}` : `${canon(src)}|${canon(dst)}|${proto}|${sport}|${dport}`;

/** Per-5-tuple packets and bytes of a capture file, as tshark reads it. */
function tsharkTotals(file, into = new Map()) {
  const r = spawnSync("tshark", ["-n", "-r", file, "-T", "fields", "-E", "separator=/t", "-e", "ip.src", "-e", "ip.dst", "-e", "ip.proto",
    "-e", "ip.len", "-e", "ipv6.src", "-e", "ipv6.dst", "-e", "ipv6.nxt", "-e", "ipv6.plen", "-e", "tcp.srcport", "-e", "tcp.dstport",
    "-e", "udp.srcport", "-e", "udp.dstport"], { encoding: "utf8", maxBuffer: 1 << 28 });
  for (const line of r.stdout.split("\n").filter(Boolean)) {
    // the first of repeated fields is the outer header's; for IPv6 the last next-header is the transport's
    const cols = line.split("\t");
    const [s4, d4, p4, len4, s6, d6, , plen6, ts, td, us, ud] = cols.map((x) => x.split(",")[0]);
    const p6 = cols[6].split(",").at(-1);
    const v6 = s6 !== "";
    if (!v6 && s4 === "") continue;
    const proto = Number(v6 ? p6 : p4);
    const k = keyOf(v6 ? s6 : s4, v6 ? d6 : d4, proto, Number(ts || us || 0), Number(td || ud || 0));
    const t = into.get(k) ?? { packets: 0, bytes: 0 };
    t.packets++;
    t.bytes += v6 ? Number(plen6) + 40 : Number(len4);
    into.set(k, t);
  }
  return into;
}

test("a NAT router: flows equal tcpdump's on the same interfaces, interfaces and next hop are the router's, the LAN view shows the client", { timeout: 180000 }, async () => {
  const C = makeNs("fp-client"), R = makeNs("fp-router"), S = makeNs("fp-server");
  const dir = mkdtempSync(path.join(tmpdir(), "fp-router-"));
  const children = [];
  let nf;
  try {
    // links: client c0 — r-lan (router) r-wan — s0 server
    const lanIf = R.veth("r-lan", "c0", { peerNs: C, ipv6: true, mtu: 1500 });
    const wanIf = R.veth("r-wan", "s0", { peerNs: S, ipv6: true, mtu: 1500 });
    C.ip("addr", "add", "10.0.0.2/24", "dev", "c0");
    C.ip("addr", "add", "fd00:1::2/64", "dev", "c0", "nodad");
    C.ip("route", "add", "default", "via", "10.0.0.1");
    C.ip("-6", "route", "add", "default", "via", "fd00:1::1");
    R.ip("addr", "add", "10.0.0.1/24", "dev", "r-lan");
    R.ip("addr", "add", "fd00:1::1/64", "dev", "r-lan", "nodad");
    R.ip("addr", "add", "192.0.2.1/24", "dev", "r-wan");
    R.ip("addr", "add", "2001:db8:2::1/64", "dev", "r-wan", "nodad");
    // the server's service addresses sit behind it: the router reaches them through a gateway
    S.ip("addr", "add", "192.0.2.2/24", "dev", "s0");
    S.ip("addr", "add", "2001:db8:2::2/64", "dev", "s0", "nodad");
    S.ip("addr", "add", "203.0.113.10/32", "dev", "lo");
    S.ip("addr", "add", "2001:db8:99::10/128", "dev", "lo");
    S.ip("-6", "route", "add", "fd00:1::/64", "via", "2001:db8:2::1");
    R.ip("route", "add", "203.0.113.0/24", "via", "192.0.2.2");
    R.ip("-6", "route", "add", "2001:db8:99::/48", "via", "2001:db8:2::2");
    R.exec("sysctl", ["-qw", "net.ipv4.ip_forward=1"]);
    R.exec("sysctl", ["-qw", "net.ipv6.conf.all.forwarding=1"]);
    R.exec("nft", ["add table ip nat; add chain ip nat post { type nat hook postrouting priority 100; }; add rule ip nat post ip saddr 10.0.0.0/24 oifname r-wan masquerade"]);
    await sleep(300);

    nf = await startNfcapd(4739, R);
    const spawnIn = (ns, cmd, args) => {
      const c = ns.spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
      const run = { child: c, stdout: "", stderr: "" };
      c.stdout.on("data", (d) => (run.stdout += d));
      c.stderr.on("data", (d) => (run.stderr += d));
      run.closed = new Promise((resolve) => c.on("close", resolve));
      children.push(c);
      return run;
    };
    // the exporter (ingress on both sides, the router default) and the LAN view (both directions on the LAN)
    const fp = spawnIn(R, process.execPath, [cli, "-i", "r-lan,r-wan", "-d", "127.0.0.1:4739"]);
    // --lan alone: the LAN interface in both directions, flows marked upload/download
    const lanView = spawnIn(R, process.execPath, [cli, "--lan", "r-lan", "--wan", "r-wan"]);
    await until(() => (fp.stderr.match(/capturing on/g) ?? []).length === 2 && /capturing on/.test(lanView.stderr), 10000, `capture: ${fp.stderr}${lanView.stderr}`);
    const dumps = ["r-lan", "r-wan"].map((i) => spawnIn(R, "tcpdump", ["-i", i, "-Q", "in", "-n", "-U", "-s", "128", "-B", "65536", "-w", path.join(dir, `${i}.pcap`)]));
    await until(() => dumps.every((d) => /listening on/.test(d.stderr)), 10000, "tcpdump");
    await sleep(200);

    const iperf = spawnIn(S, "iperf3", ["-s", "-B", "203.0.113.10", "-p", "5201", "--forceflush"]);
    await until(() => /Server listening/.test(iperf.stdout), 10000, `iperf3 server: ${iperf.stderr}`);
    const run = (ns, cmd, args) => {
      const r = ns.exec(cmd, args, { stdio: "pipe", timeout: 30000 });
      return r;
    };
    run(C, "ping", ["-c", "5", "-i", "0.2", "203.0.113.10"]);
    run(C, "ping", ["-6", "-c", "5", "-i", "0.2", "2001:db8:99::10"]);
    run(C, "iperf3", ["-c", "203.0.113.10", "-p", "5201", "-n", "4M", "--cport", "40001"]);
    run(C, "iperf3", ["-c", "203.0.113.10", "-p", "5201", "-u", "-b", "20M", "-n", "2M", "-l", "1200", "--cport", "40002"]);
    await sleep(1500); // the last ring blocks retire, tcpdump writes its buffers

    for (const c of [fp, lanView, ...dumps]) c.child.kill("SIGTERM");
    await Promise.all([fp.closed, lanView.closed, ...dumps.map((d) => d.closed)]);
    iperf.child.kill("SIGTERM");
    const { flows } = await nf.stop();
    nf = undefined;

    // no packet lost in the kernel, none in the rings (flowprobe's nor tcpdump's)
    for (const r of [fp, lanView]) {
      assert.match(r.stderr, /ring drops 0,/, r.stderr);
    }
    for (const d of dumps) assert.match(d.stderr, /\b0 packets dropped by kernel/, d.stderr);
    // per 5-tuple: what nfcapd got from flowprobe equals tcpdump's -Q in capture on the same interfaces
    const want = tsharkTotals(path.join(dir, "r-wan.pcap"), tsharkTotals(path.join(dir, "r-lan.pcap")));
    const got = new Map();
    for (const f of flows) {
      const src = f.src4_addr ?? f.src6_addr, dst = f.dst4_addr ?? f.dst6_addr;
      const k = keyOf(src, dst, f.proto, f.src_port, f.dst_port);
      const g = got.get(k) ?? { packets: 0, bytes: 0, flows: [] };
      g.packets += f.in_packets;
      g.bytes += f.in_bytes;
      g.flows.push(f);
      got.set(k, g);
    }
    // the test's own 5-tuples: the link-local and multicast chatter of IPv6 links (MLD, neighbour
    // discovery) comes when it likes, before or after either capture started
    const own = (k) => !/^fe80:|\|ff02:/.test(k);
    const strip = (m) => Object.fromEntries([...m].filter(([k]) => own(k)).map(([k, v]) => [k, { packets: v.packets, bytes: v.bytes }]).sort());
    assert.deepEqual(strip(got), strip(want));
    assert.ok(want.size >= 8, `${want.size} 5-tuples`);

    // uploads arrive on the LAN and leave by the WAN through the gateway 192.0.2.2
    const uploads = flows.filter((f) => f.src4_addr === "10.0.0.2" && f.dst4_addr === "203.0.113.10");
    assert.ok(uploads.length >= 3, "ping, iperf3 TCP and UDP");
    for (const f of uploads) {
      assert.equal(f.input_snmp, lanIf, "input interface: r-lan");
      assert.equal(f.output_snmp, wanIf, "output interface: r-wan");
      assert.equal(f.ip4_next_hop ?? f.ip_nexthop ?? f.next_hop, "192.0.2.2", JSON.stringify(f));
    }
    const uploads6 = flows.filter((f) => f.src6_addr && canon(f.src6_addr) === "fd00:1::2" && canon(f.dst6_addr) === "2001:db8:99::10");
    assert.ok(uploads6.length >= 1);
    for (const f of uploads6) {
      assert.equal(f.input_snmp, lanIf);
      assert.equal(f.output_snmp, wanIf);
      assert.equal(canon(f.ip6_next_hop ?? f.ip_nexthop ?? f.next_hop), "2001:db8:2::2", JSON.stringify(f));
    }
    // downloads arrive on the WAN, still addressed to the router's public address (the NAT
    // mapping back to the client comes with conntrack): only their input is asserted
    const downloads = flows.filter((f) => f.src4_addr === "203.0.113.10");
    assert.ok(downloads.length >= 3);
    for (const f of downloads) {
      assert.equal(f.dst4_addr, "192.0.2.1");
      assert.equal(f.input_snmp, wanIf);
    }

    // the LAN view: the client's own address, for its uploads and its downloads
    const lan = parseFlows(lanView.stdout);
    const up = lan.filter((f) => f.src_addr === "10.0.0.2" && f.dst_addr === "203.0.113.10");
    const down = lan.filter((f) => f.src_addr === "203.0.113.10" && f.dst_addr === "10.0.0.2");
    assert.ok(up.length >= 3 && down.length >= 3, `${up.length} up, ${down.length} down`);
    for (const f of up) assert.deepEqual([f.in_if, f.out_if, f.next_hop, f.lan_direction], [BigInt(lanIf), BigInt(wanIf), "192.0.2.2", "upload"]);
    // a download is seen leaving on the LAN: it came in by the WAN (the route back to its source)
    for (const f of down) assert.deepEqual([f.in_if, f.out_if, f.lan_direction], [BigInt(wanIf), BigInt(lanIf), "download"]);
    const lanPackets = (list) => list.reduce((n, f) => n + f.packets, 0n);
    // the upload packets the LAN view saw are the ones the exporter saw arrive on r-lan
    assert.equal(lanPackets(up), BigInt(uploads.reduce((n, f) => n + f.in_packets, 0)));
  } finally {
    for (const c of children) c.kill("SIGKILL");
    nf?.kill();
    for (const ns of [C, R, S]) ns.del();
    rmSync(dir, { recursive: true, force: true });
  }
});
