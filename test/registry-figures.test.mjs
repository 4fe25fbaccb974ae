// The stats registry's per-target, per-collector and named-counter figures (issue 13, "One
// stats registry"): each target's IP bytes, its share of the search metric, the named
// counters, and the template blocks each collector was sent — in the registry's reading, the
// stat text, the JSON and the metrics page (promtool checks every page). Proof by third
// parties: bytes and counters equal the tshark-made oracle restricted by the selector (the
// restriction written here as JavaScript over the oracle's 5-tuples, not flowprobe's code);
// templates equal tshark's count of template sets in the datagrams each collector received.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as dgram from "node:dgram";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { lib } from "./helpers/meter.mjs";
import { cli, fixtures } from "./helpers/run.mjs";
import { freePort } from "./helpers/collector.mjs";
import * as P from "./helpers/packets.mjs";

const pcap = (name) => path.join(fixtures, "pcaps", name);
const oracleOf = (name) => JSON.parse(readFileSync(`${pcap(name)}.oracle.json`, "utf8"));

/** The oracle's packets and bytes over the flows `pick` takes. */
function restricted(oracle, pick) {
  let packets = 0n, bytes = 0n;
  for (const f of oracle.flows) {
    if (!pick(f)) continue;
    packets += BigInt(f.packets);
    bytes += BigInt(f.bytes);
  }
  return { packets, bytes };
}
// the oracle's ports are those of TCP, UDP, UDP-Lite and SCTP (0 for the rest), as a selector's
const port = (n) => (f) => f.sport === n || f.dport === n;
const srcNet24 = (prefix) => (f) => f.src.startsWith(prefix);

function promtool(page) {
  const r = spawnSync("promtool", ["check", "metrics"], { input: page, encoding: "utf8" });
  if (r.error) throw r.error;
  assert.deepEqual({ status: r.status, out: `${r.stdout}${r.stderr}` }, { status: 0, out: "" }, `promtool check metrics:\n${page}`);
}

/** The page's samples: `name{labels}` → value. */
function samples(page) {
  const out = new Map();
  for (const line of page.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)$/.exec(line);
    assert.ok(m, `a sample line: ${line}`);
    out.set(`${m[1]}${m[2] ?? ""}`, BigInt(m[3]));
  }
  return out;
}
const get = (s, key) => {
  assert.ok(s.has(key), `${key} on the page`);
  return s.get(key);
};

const ZERO_COUNTERS = { datagrams: 0, sent: 0, bytes: 0, refused: 0, unreachable: 0, bufferFull: 0, queueFull: 0, other: 0, lastError: "", portUnreachable: 0, hostUnreachable: 0, reopened: 0, downs: 0, probes: 0 };

test("two targets of different hash sizes: each one's bytes and packets = the oracle restricted by its selector; lookups = packets, the targets' lookups and probes add up to the totals; the named counters = the counters verb's = the oracle's", async () => {
  const name = "zeek--ssh--ssh.pcap";
  const oracle = oracleOf(name);
  const meter = new lib.Meter([
    // a roomy index, and one of 16 entries kept busy by a cache of 8 (evictions, longer probe chains)
    { maxflows: 1000, hashsize: 4096, inactiveTimeoutS: 15, activeTimeoutS: 1800, format: "json", select: "src net 192.168.1.0/24" },
    { maxflows: 8, hashsize: 16, inactiveTimeoutS: 15, activeTimeoutS: 1800, format: "json", select: "port 22" },
  ], 1n, { json: () => {} });
  meter.setCounters([{ name: "ssh", select: "port 22" }, { name: "udp", select: "proto udp" }, { name: "all" }]);
  await lib.meterFile(meter, pcap(name));
  await meter.flush();
  const registry = new lib.StatsRegistry({
    meter,
    source: { label: name, statistics: () => ({ kind: "file", bytes: 0, size: -1 }) },
    destinations: [],
    targets: [{ name: "lan", title: "JSON lines", mode: "mirror", destinations: [] }, { name: "ssh", title: "JSON lines", mode: "mirror", destinations: [] }],
    clockSteps: () => 0,
    labels: { skipped: lib.SKIP_REASONS, ended: lib.END_REASONS },
    seconds: () => 2,
    counters: () => meter.readCounters(),
  });
  const stats = registry.tick(); // (as the end of a file run: a tick's reading, which feeds the search metric)
  const [lan, ssh] = stats.targets;
  const wantLan = restricted(oracle, srcNet24("192.168.1."));
  const wantSsh = restricted(oracle, port(22));
  // real parts of the capture, not nothing and not everything
  for (const w of [wantLan, wantSsh]) assert.ok(w.packets > 0n && w.packets < BigInt(oracle.packets));
  assert.deepEqual({ packets: lan.meter.packets, bytes: lan.meter.bytes }, wantLan, "lan: the oracle's flows from 192.168.1.0/24");
  assert.deepEqual({ packets: ssh.meter.packets, bytes: ssh.meter.bytes }, wantSsh, "ssh: the oracle's flows on port 22");

  // the search metric: a lookup per packet a target chose; the targets' add up to the process's
  for (const t of stats.targets) {
    assert.equal(t.search.lookups, t.meter.packets, `${t.name}: a lookup per packet`);
    assert.ok(t.search.probes >= t.search.lookups, `${t.name}: a lookup reads an entry at least`);
    assert.equal(t.search.metric, Number(t.search.probes) / Number(t.search.lookups));
  }
  assert.equal(lan.search.lookups + ssh.search.lookups, stats.search.lookups);
  assert.equal(lan.search.probes + ssh.search.probes, stats.search.probes);
  assert.ok(ssh.search.probes > ssh.search.lookups, "the small index's chains are longer than one entry");

  // the named counters: the registry reads what the counters verb reads, and zeroes nothing
  const want = { ssh: restricted(oracle, port(22)), udp: restricted(oracle, (f) => f.proto === 17), all: { packets: BigInt(oracle.ip_packets), bytes: BigInt(oracle.ip_bytes) } };
  assert.ok(want.udp.packets > 0n);
  assert.deepEqual(stats.counters, meter.readCounters(), "the registry's reading = the verb's");
  for (const c of stats.counters) assert.deepEqual({ packets: c.packets, bytes: c.bytes }, want[c.name], `counter ${c.name} = the oracle's`);
  assert.deepEqual(registry.read().counters, stats.counters, "a second reading finds the same: the registry does not zero them");
  const reset = meter.readCounters(["ssh"], true);
  assert.deepEqual(reset.map((c) => c.packets), [want.ssh.packets]);
  assert.equal(registry.read().counters.find((c) => c.name === "ssh").packets, 0n, "counters --reset zeroed it; the registry sees 0");

  // the text, the JSON, the page
  const text = lib.statText(stats, { version: "0.1.0" });
  assert.match(text, new RegExp(`^Counters: ssh ${want.ssh.packets}/${want.ssh.bytes}, udp ${want.udp.packets}/${want.udp.bytes}, all ${want.all.packets}/${want.all.bytes} \\(`, "m"));
  assert.match(text, new RegExp(`^Target lan \\(JSON lines\\): packets ${wantLan.packets}, bytes ${wantLan.bytes}; Rate: `, "m"));
  assert.match(text, new RegExp(`^  Hash: size 16 \\(at most 16, mem 0K\\), fill [\\d.]+; metric ${ssh.search.metric.toFixed(2)} \\[[\\d., ]+\\], lookups ${ssh.search.lookups}, probes ${ssh.search.probes}$`, "m"));
  const json = JSON.parse(lib.jsonOf(lib.statObject(stats)));
  assert.equal(BigInt(json.targets[1].meter.bytes), wantSsh.bytes);
  assert.equal(BigInt(json.targets[1].search.probes), ssh.search.probes);
  assert.deepEqual(json.counters.map((c) => [c.name, BigInt(c.packets), BigInt(c.bytes)]), stats.counters.map((c) => [c.name, c.packets, c.bytes]));
  const page = lib.metricsText(stats, { version: "0.1.0" });
  promtool(page);
  const s = samples(page);
  assert.equal(get(s, 'flowprobe_target_bytes_total{target="lan"}'), wantLan.bytes);
  assert.equal(get(s, 'flowprobe_target_bytes_total{target="ssh"}'), wantSsh.bytes);
  assert.equal(get(s, 'flowprobe_target_flow_lookups_total{target="ssh"}'), ssh.search.lookups);
  assert.equal(get(s, 'flowprobe_target_flow_lookup_probes_total{target="ssh"}'), ssh.search.probes);
  assert.equal(get(s, "flowprobe_flow_lookups_total"), stats.search.lookups);
  assert.equal(get(s, "flowprobe_flow_lookup_probes_total"), stats.search.probes);
  for (const c of stats.counters) {
    assert.equal(get(s, `flowprobe_nfacct_packets_total{counter="${c.name}"}`), want[c.name].packets);
    assert.equal(get(s, `flowprobe_nfacct_bytes_total{counter="${c.name}"}`), want[c.name].bytes);
  }
});

test("more captures (IPv6 and several link types in one file, VLAN and MPLS tags): each target's bytes = the oracle restricted by its selector; lookups = packets; the targets' search figures add up", async () => {
  const RUNS = [
    { name: "derived--mixed-links.pcapng", a: ["src net 10.0.2.0/24", srcNet24("10.0.2.")], b: ["ip6", (f) => f.src.includes(":")] },
    { name: "zeek--mixed-vlan-mpls.pcap", a: ["src net 10.0.0.0/8", (f) => f.src.startsWith("10.")], b: ["port 23", port(23)] },
  ];
  for (const run of RUNS) {
    const oracle = oracleOf(run.name);
    const meter = new lib.Meter([
      { maxflows: 1000, hashsize: 4096, inactiveTimeoutS: 15, activeTimeoutS: 1800, format: "json", select: run.a[0] },
      { maxflows: 8, hashsize: 16, inactiveTimeoutS: 15, activeTimeoutS: 1800, format: "json", select: run.b[0] },
      { maxflows: 1000, hashsize: 4096, inactiveTimeoutS: 15, activeTimeoutS: 1800, format: "json" },
    ], 1n, { json: () => {} });
    await lib.meterFile(meter, pcap(run.name));
    await meter.flush();
    const registry = new lib.StatsRegistry({
      meter, source: { label: run.name, statistics: () => ({ kind: "file", bytes: 0, size: -1 }) }, destinations: [],
      targets: ["a", "b", "all"].map((n) => ({ name: n, title: "JSON lines", mode: "mirror", destinations: [] })),
      clockSteps: () => 0, labels: { skipped: lib.SKIP_REASONS, ended: lib.END_REASONS }, seconds: () => 1,
    });
    const stats = registry.read();
    const want = [restricted(oracle, run.a[1]), restricted(oracle, run.b[1]), { packets: BigInt(oracle.ip_packets), bytes: BigInt(oracle.ip_bytes) }];
    stats.targets.forEach((t, k) => {
      if (k < 2) assert.ok(want[k].packets > 0n && want[k].packets < BigInt(oracle.ip_packets), `${run.name} ${t.name}: a real part`);
      assert.deepEqual({ packets: t.meter.packets, bytes: t.meter.bytes }, want[k], `${run.name} ${t.name} (${k < 2 ? run[k ? "b" : "a"][0] : "every packet"})`);
      assert.equal(t.search.lookups, t.meter.packets, `${run.name} ${t.name}: a lookup per packet`);
    });
    assert.equal(stats.targets.reduce((n, t) => n + t.search.lookups, 0n), stats.search.lookups, run.name);
    assert.equal(stats.targets.reduce((n, t) => n + t.search.probes, 0n), stats.search.probes, run.name);
  }
});

test("per-target bit rates over ticks in packet time: the target's bytes × 8 over the time between ticks", async () => {
  // the capture metered in two halves (the batch path), the registry read after each
  const name = "zeek--ssh--ssh.pcap";
  const bytes = readFileSync(pcap(name));
  // (pcap: a 24-byte header, then records of 16 bytes + their captured length)
  const ends = [];
  for (let at = 24; at + 16 <= bytes.length; at += 16 + bytes.readUInt32LE(at + 8)) ends.push(at + 16 + bytes.readUInt32LE(at + 8));
  const meter = new lib.Meter([
    { maxflows: 1000, hashsize: 4096, inactiveTimeoutS: 15, activeTimeoutS: 1800, format: "json", select: "port 22" },
    { maxflows: 1000, hashsize: 4096, inactiveTimeoutS: 15, activeTimeoutS: 1800, format: "json" },
  ], 1n, { json: () => {} });
  const registry = new lib.StatsRegistry({
    meter, source: { label: name, statistics: () => ({ kind: "file", bytes: 0, size: -1 }) }, destinations: [],
    targets: [{ name: "ssh", title: "JSON lines", mode: "mirror", destinations: [] }, { name: "all", title: "JSON lines", mode: "mirror", destinations: [] }],
    clockSteps: () => 0, labels: { skipped: lib.SKIP_REASONS, ended: lib.END_REASONS }, seconds: () => 1,
  });
  const cut = ends[ends.length >> 1];
  const feed = async (part) => {
    const dir = mkdtempSync(path.join(tmpdir(), "reg-"));
    const file = path.join(dir, "part.pcap");
    writeFileSync(file, Buffer.concat([bytes.subarray(0, 24), part]));
    await lib.meterFile(meter, file);
    rmSync(dir, { recursive: true, force: true });
  };
  await feed(bytes.subarray(24, cut));
  const a = registry.tick(); // (the ticks feed the rates: a reading on demand gives what the last tick left)
  await feed(bytes.subarray(cut));
  const b = registry.tick();
  const dt = Number(b.meter.clockNs - a.meter.clockNs) / 1e9;
  assert.ok(dt > 0);
  for (let k = 0; k < 2; k++) {
    const [x, y] = [a.targets[k], b.targets[k]];
    const bits = Number((y.meter.bytes - x.meter.bytes) * 8n) / dt;
    const pkts = Number(y.meter.packets - x.meter.packets) / dt;
    // the 5-minute window holds both readings (the capture spans less than that)
    assert.ok(Math.abs(y.bitRates[2] - bits) < 1e-6 * bits, `${y.name}: ${y.bitRates[2]} = ${bits}`);
    assert.ok(Math.abs(y.packetRates[2] - pkts) < 1e-6 * pkts);
  }
  // every packet: the target's bits/s are the process's
  assert.deepEqual(b.targets[1].bitRates, b.rates.bits);
});

/** tshark's template sets (IPFIX set id 2, NetFlow v9 flowset id 0) in datagrams received on `port`. */
function tsharkTemplateSets(datagrams, port, templateSet) {
  const dir = mkdtempSync(path.join(tmpdir(), "reg-tshark-"));
  try {
    const file = path.join(dir, "got.pcap");
    writeFileSync(file, P.pcapFile(1, datagrams.map((dg, i) => ({ ts: [1700000000, i], data: P.eth(P.ETH_IPV4, P.ipv4(P.udp(40000, port, dg), { proto: 17, src: "127.0.0.1", dst: "127.0.0.1" })) }))));
    const r = spawnSync("tshark", ["-n", "-r", file, "-d", `udp.port==${port},cflow`, "-T", "fields", "-e", "cflow.flowset_id"], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    const frames = r.stdout.trim().split("\n");
    assert.equal(frames.length, datagrams.length, "tshark read every datagram");
    return frames.flatMap((l) => l.split(",")).filter((id) => Number(id) === templateSet).length;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("a run's stat file: the templates each collector got = tshark's template sets in its datagrams (IPFIX round-robin, NetFlow v9); target bytes and counters = the oracle's", async () => {
  const name = "zeek--dhcp--dhcp_flood.pcap";
  const oracle = oracleOf(name);
  const ports = [freePort(), 0, 0];
  ports[1] = freePort(ports[0] + 1);
  ports[2] = freePort(ports[1] + 1);
  const got = new Map(ports.map((p) => [p, []]));
  const sockets = await Promise.all(ports.map((p) => new Promise((resolve) => {
    const s = dgram.createSocket("udp4");
    s.on("message", (m) => got.get(p).push(Buffer.from(m)));
    s.bind(p, "127.0.0.1", () => resolve(s));
  })));
  const dir = mkdtempSync(path.join(tmpdir(), "reg-"));
  try {
    const config = path.join(dir, "c.json");
    const statFile = path.join(dir, "stat.txt");
    writeFileSync(config, JSON.stringify({
      seed: 1, stat_file: statFile, counters: { dhcp: "dst port 67", small: "src net 128.2.7.0/26" },
      targets: [
        { name: "share", protocol: 10, refresh_rate: 4, mode: "round-robin", destinations: [`127.0.0.1:${ports[0]}`, `127.0.0.1:${ports[1]}`] },
        { name: "v9", protocol: 9, refresh_rate: 3, select: "src net 128.2.7.0/24", destinations: [`127.0.0.1:${ports[2]}`] },
      ],
    }));
    const r = spawnSync(process.execPath, [cli, "--config", config, "-r", pcap(name)], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    await new Promise((res) => setTimeout(res, 200)); // (the last datagrams on loopback)
    const text = readFileSync(statFile, "utf8");
    const templatesOf = (p) => {
      const m = new RegExp(`^  sock 127\\.0\\.0\\.1:${p}: sent (\\d+) pkts, \\d+ bytes, \\d+ flows, (\\d+) templates;`, "m").exec(text);
      assert.ok(m, `the stat file's line for ${p}:\n${text}`);
      return { sent: Number(m[1]), templates: Number(m[2]) };
    };
    for (const [p, set] of [[ports[0], 2], [ports[1], 2], [ports[2], 0]]) {
      const { sent, templates } = templatesOf(p);
      assert.equal(got.get(p).length, sent, `${p}: every datagram sent arrived`);
      assert.ok(templates > 2, `${p}: templates at start, every few datagrams, and at the end (${templates})`);
      assert.equal(templates, tsharkTemplateSets(got.get(p), p, set), `${p}: the stat file's templates = tshark's template sets`);
    }
    const v9 = restricted(oracle, srcNet24("128.2.7."));
    assert.match(text, new RegExp(`^Target v9 \\(NetFlow v9\\): packets ${v9.packets}, bytes ${v9.bytes}; `, "m"));
    assert.match(text, new RegExp(`^Target share \\(IPFIX, round-robin\\): packets ${oracle.ip_packets}, bytes ${oracle.ip_bytes}; `, "m"));
    const dhcp = restricted(oracle, (f) => f.dport === 67);
    const small = restricted(oracle, (f) => f.src.startsWith("128.2.7.") && Number(f.src.split(".")[3]) < 64);
    assert.ok(small.packets > 0n && small.packets < v9.packets);
    assert.match(text, new RegExp(`^Counters: dhcp ${dhcp.packets}/${dhcp.bytes}, small ${small.packets}/${small.bytes} `, "m"));
  } finally {
    for (const s of sockets) s.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("in process: templates per collector in the registry, its JSON and the page (promtool) = tshark's template sets; NetFlow v5's collector 0", async () => {
  const name = "zeek--dhcp--dhcp_flood.pcap";
  const got = [];
  const exp = (destinations, refreshRate) => ({ mtu: 1400, engineId: 7, refreshRate, templateTimeoutS: 1800, destinations });
  const meter = new lib.Meter([
    { maxflows: 1000, hashsize: 4096, inactiveTimeoutS: 15, activeTimeoutS: 1800, format: "ipfix", export: exp(2, 5) },
    { maxflows: 1000, hashsize: 4096, inactiveTimeoutS: 15, activeTimeoutS: 1800, format: "v9", export: { ...exp(2, 2), mode: "round-robin" } },
    { maxflows: 1000, hashsize: 4096, inactiveTimeoutS: 15, activeTimeoutS: 1800, format: "v5", export: exp(1, 5) },
  ], 1n, (bytes) => lib.forEachDatagram(bytes, (d, dg) => got.push([d, Buffer.from(dg)])));
  meter.setExportTime(1700000000);
  await lib.meterFile(meter, pcap(name));
  await meter.flush();
  const labels = ["127.0.0.1:4739", "127.0.0.2:4739", "127.0.0.3:2055", "127.0.0.4:2055", "127.0.0.5:2055"];
  const registry = new lib.StatsRegistry({
    meter, source: { label: name, statistics: () => ({ kind: "file", bytes: 0, size: -1 }) },
    destinations: labels.map((label) => ({ label, address: "", collector: { host: label.split(":")[0] }, counters: { ...ZERO_COUNTERS } })),
    targets: [
      { name: "ipfix", title: "IPFIX", mode: "mirror", destinations: [0, 1] },
      { name: "v9", title: "NetFlow v9", mode: "round-robin", destinations: [2, 3] },
      { name: "v5", title: "NetFlow v5", mode: "mirror", destinations: [4] },
    ],
    clockSteps: () => 0, labels: { skipped: lib.SKIP_REASONS, ended: lib.END_REASONS }, seconds: () => 1,
  });
  const stats = registry.read();
  const want = [0, 1, 2, 3].map((d) => tsharkTemplateSets(got.filter(([x]) => x === d).map(([, dg]) => dg), 4739, d < 2 ? 2 : 0));
  assert.deepEqual(stats.destinations.map((d) => d.templates), [...want.map(BigInt), 0n]);
  assert.ok(want.every((n) => n > 2), `templates at start, by the refresh rate and at the end: ${want}`);
  assert.equal(want[0], want[1], "mirrored collectors get the same templates");
  const json = JSON.parse(lib.jsonOf(lib.statObject(stats)));
  assert.deepEqual(json.targets.map((t) => t.destinations.map((d) => d.templates)), [[want[0], want[1]], [want[2], want[3]], [0]]);
  const page = lib.metricsText(stats, { version: "0.1.0" });
  promtool(page);
  const s = samples(page);
  assert.equal(get(s, `flowprobe_collector_templates_total{target="ipfix",collector="${labels[1]}"}`), BigInt(want[1]));
  assert.equal(get(s, `flowprobe_collector_templates_total{target="v9",collector="${labels[2]}"}`), BigInt(want[2]));
  assert.equal(get(s, `flowprobe_collector_templates_total{target="v9",collector="${labels[3]}"}`), BigInt(want[3]));
  assert.equal(get(s, `flowprobe_collector_templates_total{target="v5",collector="${labels[4]}"}`), 0n);
});
