// Live capture through the shim (flowprobe-capture, a TPACKET_V3 ring), in network
// namespaces the tests create: captures from test/fixtures/pcaps replayed by tcpreplay into
// one end of a veth pair and captured on the other end. The frames keep their original MAC
// addresses, so to the capturing end they are addressed to other hosts — a mirror port.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { cli, parseFlows, key } from "./helpers/run.mjs";
import { makeNs, until } from "./helpers/netns.mjs";
import { oracleOf, replayCompare, startLive, startLiveApp, startLiveAs, captureReplay, replay, num, compare } from "./helpers/live.mjs";
import { startNfcapd } from "./helpers/collector.mjs";
import * as P from "./helpers/packets.mjs";

test("live, --promisc: a replayed capture is metered exactly as its oracle says, with no ring drops", async () => {
  const ns = makeNs("fp-live");
  try {
    const ifindex = ns.veth("fp0", "fp1");
    const run = await captureReplay(ns, ["-i", "fp0", "--promisc"], "zeek--http--bro.org.pcap");
    const { oracle } = oracleOf("zeek--http--bro.org.pcap");
    compare(run.stdout, oracle);
    assert.equal(num(/read ([\d,]+) packets/, run.stderr), oracle.packets);
    assert.equal(num(/ring drops ([\d,]+)/, run.stderr), 0);
    assert.equal(num(/kernel: packets ([\d,]+)/, run.stderr), oracle.packets);
    assert.match(run.stderr, new RegExp(`interfaces fp0 \\(ifindex ${ifindex}\\)`));
    for (const f of parseFlows(run.stdout)) assert.equal(f.in_if, BigInt(ifindex), "in_if is the capturing interface's ifindex");
  } finally {
    ns.del();
  }
});

const RECEIVER = `
const s = require("node:dgram").createSocket("udp4");
s.on("message", (m) => process.stdout.write(m.length + "\\n"));
s.bind(Number(process.argv[1]), "127.0.0.1", () => process.stdout.write("ready\\n"));
`;

test("live IPFIX: flows reach the collectors while capture goes on (the host tick sends a quiet link's datagrams), and nfcapd agrees with the oracle", async () => {
  const ns = makeNs("fp-live");
  let nf, receiver, run;
  try {
    ns.veth("fp0", "fp1");
    nf = await startNfcapd(4739, ns);
    receiver = ns.spawn(process.execPath, ["-e", RECEIVER, "4740"], { stdio: ["ignore", "pipe", "ignore"] });
    let got = "";
    receiver.stdout.on("data", (d) => (got += d));
    await until(() => got.startsWith("ready"), 10000, "the receiver");
    run = await startLive(ns, ["-i", "fp0", "--promisc", "-d", "127.0.0.1:4739,127.0.0.1:4740"]);
    replay(ns, "fp1", "zeek--http--bro.org.pcap");
    // 24 flows ended with FIN/RST during the replay: their records go out once the TCP end
    // grace (2 s) has passed on the meter clock, which runs 2 s behind (TICK_LAG), and a tick
    await until(() => got.split("\n").length > 2, 10000, "datagrams while capturing");
    assert.equal(run.child.exitCode, null, "still capturing");
    await run.stop();
    receiver.kill();
    assert.equal(run.code, 0, run.stderr);
    const { flows } = await nf.stop();
    nf = undefined;
    const { oracle } = oracleOf("zeek--http--bro.org.pcap");
    const sums = new Map();
    for (const f of flows) {
      const k = key(f.src4_addr, f.dst4_addr, f.proto, f.src_port, f.dst_port);
      const g = sums.get(k) ?? { packets: 0n, bytes: 0n };
      g.packets += BigInt(f.in_packets);
      g.bytes += BigInt(f.in_bytes);
      sums.set(k, g);
    }
    const want = new Map(oracle.flows.map((f) => [key(f.src, f.dst, f.proto, f.sport, f.dport), { packets: BigInt(f.packets), bytes: BigInt(f.bytes) }]));
    assert.deepEqual(Object.fromEntries([...sums].sort()), Object.fromEntries([...want].sort()));
  } finally {
    nf?.kill();
    receiver?.kill("SIGKILL");
    run?.child.kill("SIGKILL");
    ns.del();
  }
});

test("live, without --promisc: frames addressed to another host are skipped and counted; broadcast is metered", async () => {
  const ns = makeNs("fp-live");
  try {
    ns.veth("fp0", "fp1");
    const run = await captureReplay(ns, ["-i", "fp0"], "zeek--icmp_dot1q.pcap");
    // 15 frames: 11 to unicast MACs (not fp0's), 4 broadcast (the ARP requests, non-IP)
    assert.equal(num(/read ([\d,]+) packets/, run.stderr), 15);
    assert.equal(num(/frame addressed to another host: ([\d,]+)/, run.stderr), 11);
    assert.equal(num(/metered ([\d,]+)/, run.stderr), 0);
    assert.equal(num(/non-IP ([\d,]+)/, run.stderr), 4);
    assert.equal(run.stdout, "");
  } finally {
    ns.del();
  }
});

test("live: 802.1Q frames keep their VLAN id whether the kernel moved the tag out of the frame or not", async () => {
  const ns = makeNs("fp-live");
  try {
    ns.veth("fp0", "fp1");
    // the tag is moved into the ring's metadata with VLAN offload on, left in the frame with it off
    for (const offload of ["on", "off"]) {
      ns.exec("ethtool", ["-K", "fp0", "rxvlan", offload], { stdio: "ignore" });
      const run = await captureReplay(ns, ["-i", "fp0", "--promisc"], "zeek--icmp_dot1q.pcap");
      compare(run.stdout, oracleOf("zeek--icmp_dot1q.pcap").oracle);
      const flows = parseFlows(run.stdout);
      assert.equal(flows.length, 2);
      for (const f of flows) assert.equal(f.vlan_id, 123n, `rxvlan ${offload}`);
    }
  } finally {
    ns.del();
  }
});

test("live --filter: the kernel runs the compiled filter; what it drops is never read", async () => {
  const ns = makeNs("fp-live");
  try {
    ns.veth("fp0", "fp1");
    const run = await captureReplay(ns, ["-i", "fp0", "--promisc", "--filter", "icmp and src host 192.168.123.2"], "zeek--icmp_dot1q.pcap");
    const flows = parseFlows(run.stdout);
    assert.equal(flows.length, 1);
    assert.equal(flows[0].src_addr, "192.168.123.2");
    assert.equal(flows[0].packets, 5n);
    assert.equal(num(/read ([\d,]+) packets/, run.stderr), 5);
  } finally {
    ns.del();
  }
});

test("live --ring-size / --block-timeout: a ring of other size and block timeout captures the replay exactly; values out of range are usage errors", async () => {
  const ns = makeNs("fp-live");
  try {
    ns.veth("fp0", "fp1");
    // (a block is handed over after its timeout however few packets it holds: a ring rides
    // out a host stall of blocks × timeout at a slow rate, so the test keeps that generous)
    const run = await captureReplay(ns, ["-i", "fp0", "--promisc", "--ring-size", "8", "--block-timeout", "100"], "zeek--http--bro.org.pcap");
    assert.equal(num(/ring drops ([\d,]+)/, run.stderr), 0);
    compare(run.stdout, oracleOf("zeek--http--bro.org.pcap").oracle);
    for (const [opt, value] of [["--ring-size", "1"], ["--ring-size", "2048"], ["--block-timeout", "0"]]) {
      let r;
      try {
        ns.exec(process.execPath, [cli, "-i", "fp0", opt, value], { stdio: "pipe" });
      } catch (e) {
        r = e;
      }
      assert.equal(r?.status, 2, `${opt} ${value}`);
      assert.match(String(r.stderr), new RegExp(`${opt} ${value}`));
    }
  } finally {
    ns.del();
  }
});

test("live: a bad --filter is a clear error before anything runs", () => {
  const ns = makeNs("fp-live");
  try {
    ns.veth("fp0", "fp1");
    let r;
    try {
      ns.exec(process.execPath, [cli, "-i", "fp0", "--filter", "port port"], { stdio: "pipe" });
    } catch (e) {
      r = e;
    }
    assert.ok(r, "must fail");
    assert.equal(r.status, 2, "a usage error");
    assert.match(r.stderr, /--filter "port port": .*syntax error/);
    assert.match(r.stderr, /capture shim refused the capture options/);
    assert.doesNotMatch(r.stderr, /read 0 packets/, "no summary of a run that never started");
  } finally {
    ns.del();
  }
});

test("live: an interface deleted and created again (new ifindex) is captured again; flows afterwards are exported", async () => {
  const ns = makeNs("fp-live");
  try {
    const first = ns.veth("fp0", "fp1");
    const run = await startLive(ns, ["-i", "fp0", "--promisc"]);
    replay(ns, "fp1", "zeek--icmp_dot1q.pcap");
    await new Promise((r) => setTimeout(r, 300));
    // as pppd does: down first (the socket sees ENETDOWN), then deleted (no second error)
    ns.ip("link", "set", "fp0", "down");
    await new Promise((r) => setTimeout(r, 300));
    ns.ip("link", "del", "fp0");
    await until(() => /fp0 went away/.test(run.stderr), 5000, `the shim noticing: ${run.stderr}`);
    const second = ns.veth("fp0", "fp1");
    assert.notEqual(second, first);
    await until(() => new RegExp(`capturing on fp0 \\(ifindex ${second}\\)`).test(run.stderr), 5000, `capture again: ${run.stderr}`);
    replay(ns, "fp1", "zeek--icmp_dot1q.pcap");
    await run.stop();
    assert.equal(run.code, 0, run.stderr);
    const flows = parseFlows(run.stdout);
    const by = (ifindex) => flows.filter((f) => f.in_if === BigInt(ifindex)).reduce((n, f) => n + f.packets, 0n);
    assert.equal(by(first), 9n, "before: every IP packet");
    assert.equal(by(second), 9n, "after: every IP packet");
  } finally {
    ns.del();
  }
});

test("live --ifindex-map: an interface recreated under a new ifindex keeps its number, in flows and in routes", async () => {
  const ns = makeNs("fp-live");
  try {
    const first = ns.veth("fp0", "fp1");
    const routeVia = () => {
      ns.ip("addr", "add", "10.9.0.1/24", "dev", "fp0");
      ns.ip("route", "add", "192.150.187.0/24", "via", "10.9.0.2");
    };
    routeVia();
    // the routing table read at every tick (once a second) instead of every 5
    const run = await startLiveApp(ns, { routesEveryTicks: 1 }, ["-i", "fp0", "--promisc", "--ifindex-map", "fp0=100"], /capturing on fp0 \(ifindex 100\)/);
    replay(ns, "fp1", "zeek--http--bro.org.pcap");
    await new Promise((r) => setTimeout(r, 300));
    ns.ip("link", "del", "fp0");
    await until(() => /fp0 went away/.test(run.stderr), 5000, `the shim noticing: ${run.stderr}`);
    const second = ns.veth("fp0", "fp1");
    routeVia();
    assert.notEqual(second, first);
    await until(() => (run.stderr.match(/capturing on fp0 \(ifindex 100\)/g) ?? []).length === 2, 5000, `capture again: ${run.stderr}`);
    await new Promise((r) => setTimeout(r, 2000)); // the routing table is read again within a tick
    replay(ns, "fp1", "zeek--http--bro.org.pcap");
    await run.stop();
    assert.equal(run.code, 0, run.stderr);
    const flows = parseFlows(run.stdout);
    assert.equal(flows.reduce((n, f) => n + f.packets, 0n), 2n * 751n, "both replays, whole");
    for (const f of flows) assert.equal(f.in_if, 100n);
    const out = flows.filter((f) => f.dst_addr === "192.150.187.43");
    assert.ok(out.length > 10);
    for (const f of out) assert.deepEqual([f.out_if, f.next_hop], [100n, "10.9.0.2"]);
  } finally {
    ns.del();
  }
});

test("live IPFIX: the collector gets the namespace's interface names (IE 82) under the numbers flows carry, and a new interface's name soon after", async () => {
  const ns = makeNs("fp-live");
  const dir = mkdtempSync(path.join(tmpdir(), "fp-names-"));
  const pcap = path.join(dir, "lo.pcapng");
  let dump;
  try {
    const fp0 = ns.veth("fp0", "fp1");
    dump = ns.spawn("dumpcap", ["-q", "-i", "lo", "-f", "udp dst port 4739", "-w", pcap], { stdio: ["ignore", "ignore", "pipe"] });
    let dumpErr = "";
    dump.stderr.on("data", (d) => (dumpErr += d));
    await until(() => /Capturing on/.test(dumpErr), 10000, `dumpcap: ${dumpErr}`);
    // the interface names read at every tick (once a second) instead of every 5
    const run = await startLiveApp(ns, { routesEveryTicks: 1 }, ["-i", "fp0", "--promisc", "--ifindex-map", "fp1=77", "-d", "127.0.0.1:4739", "--protocol", "10"]);
    replay(ns, "fp1", "zeek--http--bro.org.pcap");
    // the first datagram goes out before the new interface comes (SIGUSR1 says when)
    await until(() => {
      run.child.kill("SIGUSR1");
      return [...run.stderr.matchAll(/datagrams [\d,]+ = sent ([\d,]+)/g)].some((m) => m[1] !== "0");
    }, 15000, `the first datagram sent: ${run.stderr}`);
    ns.veth("fp2", "fp3");
    await new Promise((r) => setTimeout(r, 2000)); // interfaces are read again within a tick
    await run.stop();
    assert.equal(run.code, 0, run.stderr);
    await new Promise((r) => setTimeout(r, 300));
    dump.kill("SIGINT");
    await new Promise((r) => dump.on("close", r));
    const verbose = execFileSync("tshark", ["-n", "-r", pcap, "-d", "udp.port==4739,cflow", "-V"], { encoding: "utf8", maxBuffer: 1 << 28 });
    const frames = verbose.split(/^Frame \d+:/m).slice(1);
    const namesIn = (f) => new Map([...f.matchAll(/InputInt: (\d+)\n\s+IfName: (.*)/g)].map((m) => [m[2], Number(m[1])]));
    const first = namesIn(frames[0]);
    assert.deepEqual(first, new Map([["fp0", fp0], ["fp1", 77], ["lo", 1]]), "the first datagram: every interface of the namespace");
    const last = namesIn(frames.at(-1));
    assert.equal(last.get("fp2"), Number(ns.exec("cat", ["/sys/class/net/fp2/ifindex"]).trim()), "the final statistics: the new interface too");
    assert.equal(last.get("fp1"), 77);
    assert.match(verbose, /InputInt: (\d+)\n\s+(?!IfName)/, "flow records");
  } finally {
    dump?.kill("SIGKILL");
    ns.del();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("live: the host runs unprivileged, only the shim has CAP_NET_RAW and CAP_NET_ADMIN", async () => {
  const ns = makeNs("fp-live");
  const dir = execFileSync("mktemp", ["-d", "/var/tmp/fp-cap-XXXXXX"], { encoding: "utf8" }).trim();
  try {
    ns.veth("fp0", "fp1");
    const shim = path.join(dir, "flowprobe-capture");
    execFileSync("cp", [path.join(path.dirname(cli), "flowprobe-capture"), shim]);
    execFileSync("chmod", ["755", dir, shim]);
    execFileSync("setcap", ["cap_net_raw,cap_net_admin=ep", shim]);
    const run = await startLiveAs(ns, "nobody", ["-i", "fp0", "--promisc", "--capture-helper", shim]);
    await replayCompare(ns, run);
    // and without the capabilities it says what it needs
    execFileSync("setcap", ["-r", shim]);
    const bad = ns.spawn("setpriv", ["--reuid=nobody", "--regid=nogroup", "--clear-groups", "--inh-caps=-all", process.execPath, cli, "-i", "fp0", "--capture-helper", shim],
      { stdio: ["ignore", "pipe", "pipe"] });
    let err = "";
    bad.stderr.on("data", (d) => (err += d));
    const code = await new Promise((resolve) => bad.on("close", resolve));
    assert.equal(code, 1, err);
    assert.match(err, /needs CAP_NET_RAW/);
  } finally {
    ns.del();
    execFileSync("rm", ["-rf", dir]);
  }
});

test("live --user: started as root, flowprobe continues as the user while the shim captures", async () => {
  const ns = makeNs("fp-live");
  try {
    ns.veth("fp0", "fp1");
    const run = await startLive(ns, ["-i", "fp0", "--promisc", "--user", "nobody"], /running as nobody/);
    const uid = /^Uid:\s+(\d+)\s+(\d+)/m.exec(execFileSync("cat", [`/proc/${run.child.pid}/status`], { encoding: "utf8" }));
    const nobody = execFileSync("id", ["-u", "nobody"], { encoding: "utf8" }).trim();
    assert.deepEqual([uid[1], uid[2]], [nobody, nobody], "real and effective uid");
    await replayCompare(ns, run);
  } finally {
    ns.del();
  }
});

test("live: a shim that dies is started again and capture goes on; a shim whose host dies exits", async () => {
  const ns = makeNs("fp-live");
  try {
    ns.veth("fp0", "fp1");
    const run = await startLive(ns, ["-i", "fp0", "--promisc"]);
    const shimOf = () => Number(execFileSync("pgrep", ["-P", String(run.child.pid), "flowprobe-captu"], { encoding: "utf8" }).trim());
    const first = shimOf();
    process.kill(first, "SIGKILL");
    await until(() => (run.stderr.match(/capturing on fp0/g) ?? []).length === 2, 10000, `the shim started again: ${run.stderr}`);
    assert.match(run.stderr, /the capture shim ended \(SIGKILL\); starting it again/);
    replay(ns, "fp1", "zeek--http--bro.org.pcap");
    const second = shimOf();
    assert.notEqual(second, first);
    await new Promise((r) => setTimeout(r, 600));
    // the host dies without a word: the shim sees its stop line end and exits
    run.child.kill("SIGKILL");
    await until(() => {
      try {
        process.kill(second, 0);
        return false;
      } catch {
        return true;
      }
    }, 5000, "the shim exiting after its host died");
  } finally {
    ns.del();
  }
});


test("live: a step of the system clock exports every active flow and aging goes on from the new time", async () => {
  const { lib } = await import("./helpers/meter.mjs");
  const ns = makeNs("fp-live");
  const dir = execFileSync("mktemp", ["-d"], { encoding: "utf8" }).trim();
  const stop = new AbortController();
  try {
    ns.veth("fp0", "fp1");
    // the shim runs inside the namespace; the meter runs here, with a clock the test moves
    const helper = path.join(dir, "shim");
    execFileSync("sh", ["-c", `printf '#!/bin/sh\\nexec ip netns exec ${ns.name} ${path.join(path.dirname(cli), "flowprobe-capture")} "$@"\\n' > ${helper} && chmod 755 ${helper}`]);
    let shift = 0;
    const clock = { realtimeMs: () => Date.now() + shift, monotonicMs: () => performance.now() };
    const chunks = [];
    const meter = new lib.Meter([{ maxflows: 1000, hashsize: 2048, inactiveTimeoutS: 15, activeTimeoutS: 1800, format: "json" }], 1n,
      (b) => chunks.push(Buffer.from(b).toString("utf8")));
    let log = "";
    const done = lib.meterLive(meter, { interfaces: ["fp0"], promisc: true, snaplen: 128, direction: "in", helper },
      { stopSignal: stop.signal, onLog: (l) => (log += `${l}\n`), clock });
    await until(() => /capturing on fp0/.test(log), 10000, `capture: ${log}`);
    replay(ns, "fp1", "zeek--icmp_dot1q.pcap");
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(chunks.join(""), "", "nothing exported yet: the flows are active");
    shift = -3_600_000; // the clock is set back an hour
    await until(() => /clock stepped back by 3600\.\d s/.test(log), 5000, `the step: ${log}`);
    const atStep = parseFlows(chunks.join(""));
    assert.equal(atStep.length, 2, "both flows exported at the step");
    for (const f of atStep) assert.equal(f.flow_end_reason, 4n);
    replay(ns, "fp1", "zeek--icmp_dot1q.pcap"); // metered after the step, from the new time
    await new Promise((r) => setTimeout(r, 1500));
    stop.abort();
    const r = await done;
    assert.equal(r.clockSteps, 1);
    await meter.flush();
    const all = parseFlows(chunks.join(""));
    assert.equal(all.reduce((n, f) => n + f.packets, 0n), 18n, "every packet of both replays");
  } finally {
    stop.abort();
    ns.del();
    execFileSync("rm", ["-rf", dir]);
  }
});

test("live: a collector paced slower than flows end does not stall capture (the datagrams wait in a send queue; no ring drops, every flow sent)", async () => {
  const ns = makeNs("fp-live");
  const dir = mkdtempSync(path.join(tmpdir(), "fp-burst-"));
  try {
    ns.veth("fp0", "fp1");
    // 2,000 TCP connections of two packets (SYN, then FIN): 2,000 records at once, ~260
    // datagrams at --mtu 576, sent at 100 a second: over two seconds of sending. Then 60,000 packets
    // of one UDP flow at 20,000 a second: 4.8 MB of batch records, more than the shim's pipe
    // (1 MiB) and ring (4 blocks of 50 ms) hold while a host waits for its collector
    const packets = [];
    for (let i = 0; i < 2000; i++) {
      for (const flags of [0x02, 0x11]) {
        packets.push({ ts: [1700000000, i * 2 + (flags & 1)], data: P.eth(P.ETH_IPV4, P.ipv4(P.tcp(10000 + i, 80, flags), { proto: 6, src: "10.1.0.1", dst: "10.1.0.2" })) });
      }
    }
    const udp = P.eth(P.ETH_IPV4, P.ipv4(P.udp(5000, 5001), { proto: 17, src: "10.1.0.1", dst: "10.1.0.2" }));
    for (let i = 0; i < 60000; i++) packets.push({ ts: [1700000001, i], data: udp });
    const file = path.join(dir, "burst.pcap");
    writeFileSync(file, P.pcapFile(1, packets));
    const run = await startLive(ns, ["-i", "fp0", "--promisc", "-d", "127.0.0.1:4739", "--mtu", "576", "--export-rate", "100"]);
    ns.exec("tcpreplay", ["-q", "-i", "fp1", "--pps", "20000", file], { stdio: "ignore" });
    await run.stop();
    assert.equal(run.code, 0, run.stderr);
    assert.equal(num(/ring drops ([\d,]+)/, run.stderr), 0, run.stderr);
    assert.equal(num(/read ([\d,]+) packets/, run.stderr), 64000);
    assert.equal(num(/TCP FIN\/RST ([\d,]+)/, run.stderr), 2000);
    // every record went out: an IPFIX datagram of 576 bytes holds at most 8 IPv4 records
    // ((576 - 16 header - 4 set header) / 68), its template block going in a message of its own
    assert.ok(num(/datagrams ([\d,]+) = sent/, run.stderr) >= 2000 / 8, run.stderr);
  } finally {
    ns.del();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("live SIGHUP: the routes and interface names are read again and said; capture goes on and every flow is exported", async () => {
  const ns = makeNs("fp-live");
  try {
    ns.veth("fp0", "fp1");
    const run = await startLive(ns, ["-i", "fp0", "--promisc"]);
    ns.veth("hup0", "hup1"); // interfaces more to read
    run.child.kill("SIGHUP");
    await until(() => /SIGHUP: read the routes \(\d+\) and interface names \(\d+\) again; capture and metering go on/.test(run.stderr), 5000, `SIGHUP said: ${run.stderr}`);
    const names = Number(/interface names \((\d+)\) again/.exec(run.stderr)[1]);
    assert.equal(names, 5, "lo, fp0, fp1 and the new hup0, hup1");
    await replayCompare(ns, run);
  } finally {
    ns.del();
  }
});

test("live, a collector that refuses and then listens: said once each way, every datagram counted once, and the flows after reach it", async () => {
  // one short UDP flow every 100 ms for 10 s, replayed in real time; each leaves a second after
  // its packet (--inactive-timeout 1), so datagrams go out every tick
  const packets = [];
  for (let i = 0; i < 100; i++) {
    packets.push({ ts: [1700000000 + Math.floor(i / 10), (i % 10) * 100000], data: P.eth(P.ETH_IPV4, P.ipv4(P.udp(20000 + i, 53), { proto: 17, src: "10.0.0.1", dst: "10.0.0.2" })) });
  }
  const dir = mkdtempSync(path.join(tmpdir(), "fp-refuse-"));
  const file = path.join(dir, "t.pcap");
  writeFileSync(file, P.pcapFile(1, packets));
  const ns = makeNs("fp-live");
  let nf;
  try {
    ns.veth("fp0", "fp1");
    const run = await startLive(ns, ["-i", "fp0", "--promisc", "--inactive-timeout", "1", "-d", "127.0.0.1:4739"]);
    const replaying = ns.spawn("tcpreplay", ["-q", "-i", "fp1", file], { stdio: "ignore" });
    const replayed = new Promise((resolve) => replaying.on("close", resolve));
    await until(() => /collector 127\.0\.0\.1:4739 refuses datagrams/.test(run.stderr), 8000, `the refusal said: ${run.stderr}`);
    nf = await startNfcapd(4739, ns);
    await until(() => /collector 127\.0\.0\.1:4739: no port unreachable for 5 s: it receives again/.test(run.stderr), 12000, `the recovery said: ${run.stderr}`);
    await replayed;
    await run.stop();
    assert.equal(run.code, 0, run.stderr);
    const { flows } = await nf.stop();
    nf = undefined;
    assert.equal((run.stderr.match(/refuses datagrams/g) ?? []).length, 1, run.stderr);
    assert.equal((run.stderr.match(/receives again/g) ?? []).length, 1, run.stderr);
    const m = /datagrams (\d+) = sent (\d+) \+ not sent (\d+) \(refused (\d+), unreachable (\d+), send buffer full (\d+), send queue full (\d+), other (\d+)\); .* the network reported port unreachable (\d+), host unreachable (\d+)/.exec(run.stderr);
    assert.ok(m, run.stderr);
    const [datagrams, sent, notSent, refused, unreachable, buffer, queue, other, portUnreachable] = m.slice(1).map(Number);
    assert.equal(datagrams, sent + notSent, "every datagram once");
    assert.equal(notSent, refused + unreachable + buffer + queue + other);
    assert.ok(portUnreachable >= 1 && portUnreachable >= refused, run.stderr);
    // what was sent once the collector listened arrived, decodable (the templates came again
    // after the refusal); the last of the flows among it
    assert.ok(flows.length > 0, run.stderr);
    assert.ok(flows.some((f) => f.src_port === 20099), "the last flow reached the collector");
  } finally {
    nf?.kill();
    ns.del();
    rmSync(dir, { recursive: true, force: true });
  }
});
