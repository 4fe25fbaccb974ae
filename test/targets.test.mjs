// Several targets from one config file, end to end: one capture metered once into three
// targets — NetFlow v5 to nfcapd A, IPFIX to B and C (mirror: each gets every datagram), NetFlow
// v9 to D — and each collector's nfdump read-back equals the capture's oracle (v5: its IPv4
// flows); JSON lines and IPFIX at once; per-target statistics; SIGTERM on a run still reading
// exports every target's flows.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { cli, flowprobe, fixtures, canon, parseFlows } from "./helpers/run.mjs";
import { startNfcapd } from "./helpers/collector.mjs";
import { T0, pcapHeader, phase } from "./helpers/stream.mjs";
import { makeNs } from "./helpers/netns.mjs";
import { compare, oracleOf, replay, startLive } from "./helpers/live.mjs";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Captures with IPv4 and IPv6, VLAN and QinQ tags, PPPoE, ICMP and ICMPv6 (all with oracles). */
const CAPTURES = ["zeek--http--bro.org.pcap", "zeek--pppoe.pcap", "zeek--http-qinq-0.pcap", "zeek--mixed-vlan-mpls.pcap", "zeek--icmp--icmp6-ping.pcap", "zeek--ipv6-http-atomic-frag.pcap", "derived--mixed-links.pcapng"];

const portless = (proto, src) => (src.includes(":") ? proto === 58 : proto === 1);
/** A flow's key: the 5-tuple (ICMP: addresses and protocol, its type and code are no ports in the oracle). */
const keyOf = (src, dst, proto, sport, dport) =>
  portless(proto, src) ? `${canon(src)}|${canon(dst)}|${proto}` : `${canon(src)}|${canon(dst)}|${proto}|${sport}|${dport}`;

/** Packets and bytes per key of what nfdump read back. */
function collected(flows) {
  const got = new Map();
  for (const f of flows) {
    const src = f.src4_addr ?? f.src6_addr;
    const k = keyOf(src, f.dst4_addr ?? f.dst6_addr, f.proto, f.src_port, f.dst_port);
    const g = got.get(k) ?? { packets: 0n, bytes: 0n };
    g.packets += BigInt(f.in_packets);
    g.bytes += BigInt(f.in_bytes);
    got.set(k, g);
  }
  return got;
}

/** The same of the oracle, for the flows `carries` keeps. */
function expected(oracle, carries = () => true) {
  const want = new Map();
  for (const f of oracle.flows.filter(carries)) {
    const k = keyOf(f.src, f.dst, f.proto, f.sport, f.dport);
    const w = want.get(k) ?? { packets: 0n, bytes: 0n };
    w.packets += BigInt(f.packets);
    w.bytes += BigInt(f.bytes);
    want.set(k, w);
  }
  return want;
}

const sorted = (m) => Object.fromEntries([...m].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => [k, `${v.packets} packets, ${v.bytes} bytes`]));

/** Writes `config` as flowprobe.json in a folder of its own; returns its path and a cleanup. */
function configFile(config) {
  const dir = mkdtempSync(path.join(tmpdir(), "fp-cfg-"));
  const file = path.join(dir, "flowprobe.json");
  writeFileSync(file, JSON.stringify(config, null, 2));
  return { file, done: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Each target's summary line, and the "datagrams N = sent N + not sent N" of each collector beneath it. */
function targetLines(stderr) {
  const targets = new Map();
  let current;
  for (const line of stderr.split("\n")) {
    const t = /^ {2}target (\S+) \((.*?)\): packets selected ([\d,]+); flows exported ([\d,]+):/.exec(line);
    if (t) {
      current = { what: t[2], selected: BigInt(t[3].replace(/,/g, "")), exported: BigInt(t[4].replace(/,/g, "")), collectors: [] };
      targets.set(t[1], current);
    }
    const c = /^ {4}collector (\S+): datagrams ([\d,]+) = sent ([\d,]+) \+ not sent ([\d,]+) /.exec(line);
    if (c) current.collectors.push({ label: c[1], datagrams: Number(c[2].replace(/,/g, "")), sent: Number(c[3].replace(/,/g, "")), notSent: Number(c[4].replace(/,/g, "")) });
  }
  return targets;
}

for (const name of CAPTURES) {
  test(`three targets, four collectors: v5 → A, IPFIX → B and C (mirror), v9 → D, each equal to the oracle: ${name}`, async () => {
    const capture = path.join(fixtures, "pcaps", name);
    const oracle = JSON.parse(readFileSync(`${capture}.oracle.json`, "utf8"));
    const [a, b, c, d] = [await startNfcapd(), await startNfcapd(), await startNfcapd(), await startNfcapd()];
    const cfg = configFile({
      read: capture, seed: 1,
      targets: [
        { name: "old-v5", protocol: 5, destinations: [`127.0.0.1:${a.port}`] },
        { name: "ipfix-pair", protocol: 10, destinations: [`127.0.0.1:${b.port}`, `127.0.0.1:${c.port}`], mode: "mirror" },
        { name: "v9", protocol: 9, destinations: [`127.0.0.1:${d.port}`], timeouts: { inactive: 30 } },
      ],
    });
    let r;
    try {
      r = flowprobe(["--config", cfg.file]);
    } finally {
      cfg.done();
    }
    const got = [];
    for (const nf of [a, b, c, d]) got.push(await nf.stop());
    assert.equal(r.status, 0, r.stderr);
    const ipv4 = (f) => !f.src.includes(":");
    const wants = [expected(oracle, ipv4), expected(oracle), expected(oracle), expected(oracle)];
    ["A (v5)", "B (IPFIX)", "C (IPFIX)", "D (v9)"].forEach((label, i) => {
      assert.deepEqual(sorted(collected(got[i].flows)), sorted(wants[i]), `collector ${label}\n${r.stderr}\n${got[i].log}`);
      assert.match(got[i].log, /Bad Packets: 0/, `collector ${label}: ${got[i].log}`);
    });
    // per target: every packet selected (no selectors), every flow of the oracle exported; each
    // collector's datagrams all sent, B and C the same number (mirror)
    const t = targetLines(r.stderr);
    const read = BigInt(/read ([\d,]+) packets/.exec(r.stderr)[1].replace(/,/g, ""));
    assert.deepEqual([...t.keys()], ["old-v5", "ipfix-pair", "v9"]);
    assert.equal(t.get("old-v5").what, "NetFlow v5 to 1 collector");
    assert.equal(t.get("ipfix-pair").what, "IPFIX to 2 collectors, mirror");
    assert.equal(t.get("v9").what, "NetFlow v9 to 1 collector");
    const metered = BigInt(/metered ([\d,]+) packets/.exec(r.stderr)[1].replace(/,/g, ""));
    for (const [n, fig] of t) {
      assert.equal(fig.selected, metered, `${n}: packets selected`);
      assert.ok(fig.selected <= read);
      for (const col of fig.collectors) assert.equal(col.notSent, 0, `${n} ${col.label}: ${r.stderr}`);
    }
    // what each says it exported is what its collectors decoded (v5: less the IPv6 flows it cannot carry)
    assert.equal(t.get("ipfix-pair").exported, BigInt(got[1].flows.length), r.stderr);
    assert.equal(t.get("ipfix-pair").exported, BigInt(got[2].flows.length), r.stderr);
    assert.equal(t.get("v9").exported, BigInt(got[3].flows.length), r.stderr);
    const v6 = BigInt((/IPv6 in NetFlow v5 ([\d,]+),/.exec(r.stderr)?.[1] ?? "0").replace(/,/g, ""));
    assert.equal(t.get("old-v5").exported - v6, BigInt(got[0].flows.length), r.stderr);
    assert.equal(t.get("ipfix-pair").collectors[0].datagrams, t.get("ipfix-pair").collectors[1].datagrams);
    assert.deepEqual(t.get("ipfix-pair").collectors.map((x) => x.label), [`127.0.0.1:${b.port}`, `127.0.0.1:${c.port}`]);
    // the totals line is every target's sum
    const total = BigInt(/flows exported ([\d,]+):/.exec(r.stderr)[1].replace(/,/g, ""));
    assert.equal(total, [...t.values()].reduce((n, x) => n + x.exported, 0n));
  });
}

test("JSON lines and IPFIX from one run: the JSON target prints what a JSON run alone prints, the collector reads the oracle", async () => {
  const capture = path.join(fixtures, "pcaps", "zeek--http--bro.org.pcap");
  const oracle = JSON.parse(readFileSync(`${capture}.oracle.json`, "utf8"));
  const nf = await startNfcapd();
  const cfg = configFile({ read: capture, seed: 1, targets: [{ name: "ipfix", destinations: [`127.0.0.1:${nf.port}`] }, { name: "lines", protocol: "json" }] });
  let r;
  try {
    r = flowprobe(["--config", cfg.file]);
  } finally {
    cfg.done();
  }
  const { flows } = await nf.stop();
  assert.equal(r.status, 0, r.stderr);
  const alone = flowprobe(["-r", capture, "--seed", "1", "--no-summary"]);
  assert.equal(r.stdout, alone.stdout);
  assert.equal(parseFlows(r.stdout).length, oracle.flow_count);
  assert.deepEqual(sorted(collected(flows)), sorted(expected(oracle)));
  const t = targetLines(r.stderr);
  assert.equal(t.get("lines").what, "JSON lines to standard output");
  assert.equal(t.get("lines").exported, BigInt(oracle.flow_count));
});

test("SIGTERM while a stream is quiet: every target's flows are exported — JSON lines, IPFIX and NetFlow v9 — and flowprobe exits 0", async () => {
  const [a, b] = [await startNfcapd(), await startNfcapd()];
  const cfg = configFile({
    read: "-",
    targets: [
      { name: "ipfix", destinations: [`127.0.0.1:${a.port}`] },
      { name: "v9", protocol: 9, destinations: [`127.0.0.1:${b.port}`], export_rate: 50 },
      { name: "lines", protocol: "json" },
    ],
  });
  try {
    const child = spawn(process.execPath, [cli, "--config", cfg.file], { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (x) => (stdout += x));
    child.stderr.on("data", (x) => (stderr += x));
    const exit = new Promise((resolve) => child.on("close", resolve));
    child.stdin.write(Buffer.concat([pcapHeader(), phase(T0, 30)]));
    await sleep(700); // metered, waiting for more; the writer keeps the pipe open and says nothing
    assert.equal(stdout, "", "no flow has ended yet");
    child.kill("SIGTERM");
    const code = await Promise.race([exit, sleep(10000).then(() => "still running 10 s after SIGTERM")]);
    child.stdin.destroy();
    const [ga, gb] = [await a.stop(), await b.stop()];
    assert.equal(code, 0, stderr);
    assert.match(stderr, /SIGTERM: stopped reading; exporting every active flow/);
    for (const [label, flows] of [["IPFIX", ga.flows], ["NetFlow v9", gb.flows]]) {
      assert.equal(flows.length, 30, `${label}: every flow\n${stderr}`);
      assert.equal(flows.reduce((n, f) => n + f.in_packets, 0), 30);
    }
    const lines = parseFlows(stdout);
    assert.equal(lines.length, 30);
    assert.ok(lines.every((f) => f.packets === 1n));
    const t = targetLines(stderr);
    for (const n of ["ipfix", "v9", "lines"]) assert.equal(t.get(n).exported, 30n, `${n}: ${stderr}`);
  } finally {
    cfg.done();
  }
});

test("a collector whose name does not resolve does not stop the start: it is down, counted, and the other targets export", async () => {
  const nf = await startNfcapd();
  const capture = path.join(fixtures, "pcaps", "zeek--http--bro.org.pcap");
  const oracle = JSON.parse(readFileSync(`${capture}.oracle.json`, "utf8"));
  const cfg = configFile({
    read: capture, seed: 1,
    targets: [{ name: "up", destinations: [`127.0.0.1:${nf.port}`] }, { name: "not-yet", protocol: 9, destinations: ["collector.invalid:2055"] }],
  });
  let r;
  try {
    r = flowprobe(["--config", cfg.file]);
  } finally {
    cfg.done();
  }
  const { flows } = await nf.stop();
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(sorted(collected(flows)), sorted(expected(oracle)));
  const t = targetLines(r.stderr);
  const down = t.get("not-yet").collectors[0];
  assert.equal(down.label, "collector.invalid:2055");
  assert.ok(down.datagrams > 0 && down.sent === 0 && down.notSent === down.datagrams, r.stderr);
  assert.match(r.stderr, /collector collector\.invalid:2055: datagrams [\d,]+ = sent 0 \+ not sent [\d,]+ \(refused 0, unreachable [1-9]/);
});

test("live, from a config file: its global keys set the capture (interfaces, promisc), SIGTERM exports both targets — JSON lines and IPFIX — each equal to the oracle", async () => {
  const ns = makeNs("cfg-live");
  const cfg = configFile({});
  try {
    ns.veth("fp0", "fp1");
    const nf = await startNfcapd(undefined, ns);
    writeFileSync(cfg.file, JSON.stringify({
      interfaces: ["fp0"], promisc: true,
      targets: [{ name: "lines", protocol: "json" }, { name: "ipfix", destinations: [`127.0.0.1:${nf.port}`], export_rate: 0 }],
    }));
    const run = await startLive(ns, ["--config", cfg.file]);
    const name = "zeek--http--bro.org.pcap";
    replay(ns, "fp1", name);
    await run.stop();
    const { flows } = await nf.stop();
    assert.equal(run.code, 0, run.stderr);
    const { oracle } = oracleOf(name);
    compare(run.stdout, oracle);
    assert.deepEqual(sorted(collected(flows)), sorted(expected(oracle)));
    const t = targetLines(run.stderr);
    assert.equal(t.get("lines").selected, BigInt(oracle.packets));
    assert.equal(t.get("ipfix").selected, BigInt(oracle.packets));
    assert.equal(t.get("ipfix").exported, BigInt(flows.length));
    // said at the start (a service's log) and in the summary
    assert.match(run.stderr, /^flowprobe: config \S+flowprobe\.json: 2 targets; from the command line: --seed; the rest from the file or the defaults$/m);
    assert.match(run.stderr, /^ {2}config \S+flowprobe\.json: 2 targets; from the command line: --seed; /m);
  } finally {
    cfg.done();
    ns.del();
  }
});

test("collectors keep the numbers they are given, and each target's send queue takes only its own collectors' datagrams", async () => {
  const { createRequire } = await import("node:module");
  const lib = createRequire(import.meta.url)("../dist/lib.cjs");
  const capture = path.join(fixtures, "pcaps", "zeek--http--bro.org.pcap");
  const common = { maxflows: 1000, hashsize: 2048, inactiveTimeoutS: 15, activeTimeoutS: 1800 };
  const exp = (ids) => ({ mtu: 1400, engineId: 0, refreshRate: 20, templateTimeoutS: 1800, destinations: ids.length, destinationIds: ids });
  // fake transports: what each is handed
  const transport = (label) => ({ label, address: "", collector: { host: label, port: 1 }, counters: {}, got: [], open: async () => {}, send(b) { this.got.push(Buffer.from(b)); }, drained: async () => {}, close() {} });
  const [a3, a7, b0] = [transport("a3"), transport("a7"), transport("b0")];
  const queues = [
    new lib.SendQueue(new lib.DestinationSet([a3, a7]), new lib.Pacer(0), 1 << 20, undefined, [3, 7]),
    new lib.SendQueue(new lib.DestinationSet([b0]), new lib.Pacer(0), 1 << 20, undefined, [0]),
  ];
  const seen = new Map();
  const meter = new lib.Meter([{ ...common, format: "ipfix", export: exp([3, 7]) }, { ...common, format: "v9", export: exp([0]) }], 1n, async (region) => {
    lib.forEachDatagram(region, (d, bytes) => seen.set(d, [...(seen.get(d) ?? []), new DataView(bytes.buffer, bytes.byteOffset).getUint16(0)]));
    await Promise.all(queues.map((q) => q.push(region)));
  });
  await lib.meterFile(meter, capture);
  await meter.flush();
  for (const q of queues) await q.idle();
  // the core laid out datagrams for destinations 3 and 7 (IPFIX, version 10) and 0 (v9), no other
  assert.deepEqual([...seen.keys()].sort(), [0, 3, 7]);
  assert.ok(seen.get(3).every((v) => v === 10) && seen.get(7).every((v) => v === 10) && seen.get(0).every((v) => v === 9));
  assert.equal(seen.get(3).length, seen.get(7).length);
  // each transport got exactly its own
  assert.equal(a3.got.length, seen.get(3).length);
  assert.equal(a7.got.length, seen.get(7).length);
  assert.equal(b0.got.length, seen.get(0).length);
  assert.ok(a3.got.every((b) => b.readUInt16BE(0) === 10) && b0.got.every((b) => b.readUInt16BE(0) === 9));
});
