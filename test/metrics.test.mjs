// --metrics: the Prometheus page (src/stats/scrape-page.ts, scrape-server.ts). Every page a test
// gets is checked by promtool (Debian's prometheus package: `promtool check metrics` reads
// the page on standard input and must say nothing, exit 0), and its counters are compared
// with the registry's reading, the summary's and the tshark-made oracle's.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from "node:fs";
import * as net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { cli, fixtures, flowprobe, oracleCaptures } from "./helpers/run.mjs";
import { freePort } from "./helpers/collector.mjs";
import { lib } from "./helpers/meter.mjs";
import { until } from "./helpers/netns.mjs";
import { replay, startLive, withVeth } from "./helpers/live.mjs";

const HTTP_CAPTURE = oracleCaptures().find((c) => c.name === "zeek--http--bro.org.pcap");
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** promtool's verdict on a page: its output (must be empty) and exit status. */
function promtool(page) {
  const r = spawnSync("promtool", ["check", "metrics"], { input: page, encoding: "utf8" });
  if (r.error) throw r.error;
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

function assertPromtool(page) {
  const r = promtool(page);
  assert.deepEqual(r, { status: 0, out: "" }, `promtool check metrics:\n${r.out}\n--- page ---\n${page}`);
}

/** The page's samples: `name{k="v",…}` → value text (labels in the page's order). */
function samples(page) {
  const out = new Map();
  for (const line of page.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)$/.exec(line);
    assert.ok(m, `not a sample line: ${line}`);
    out.set(`${m[1]}${m[2] ?? ""}`, m[3]);
  }
  return out;
}

const get = (s, key) => {
  assert.ok(s.has(key), `${key} on the page`);
  return BigInt(s.get(key));
};

async function scrape(port, host = "127.0.0.1") {
  const r = await fetch(`http://${host.includes(":") ? `[${host}]` : host}:${port}/metrics`);
  assert.equal(r.status, 200);
  assert.equal(r.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  return r.text();
}

test("the page of a reading: promtool accepts it, and each sample is the registry's figure", async () => {
  // metered in process, as the app does, over captures with skipped packets and several end reasons
  const files = [
    HTTP_CAPTURE.file,
    // (fuzzer-found bad packets: bad header length, bad total length, truncated headers)
    ...["tcpdump--ipv4_invalid_hdr_length.pcap", "tcpdump--ipv4_invalid_total_length.pcap", "tcpdump--icmp6_mobileprefix_asan.pcap", "tcpdump--olsr-oobr-1.pcap", "tcpdump--kh-timed-004-oobr.pcap"]
      .map((f) => path.join(fixtures, "malformed", f)),
  ];
  const meter = new lib.Meter([
    { name: "web", maxflows: 1000, hashsize: 2048, inactiveTimeoutS: 15, activeTimeoutS: 1800, format: "json", select: "port 80" },
    { name: "all", maxflows: 8, hashsize: 16, inactiveTimeoutS: 15, activeTimeoutS: 1800, format: "json" },
  ], 1n, { json: () => {} });
  let bytes = 0;
  for (const f of files) {
    try {
      bytes += (await lib.meterFile(meter, f)).bytes;
    } catch (e) {
      if (!(e instanceof lib.FlowprobeError)) throw e; // a damaged file: what came before it counts
    }
  }
  await meter.flush();
  const registry = new lib.StatsRegistry({
    meter,
    source: { label: "test", statistics: () => ({ kind: "file", bytes, size: -1 }) },
    destinations: [],
    targets: [{ name: "web", title: "JSON lines", mode: "mirror", destinations: [] }, { name: "all \"quoted\\", title: "JSON lines", mode: "mirror", destinations: [] }],
    clockSteps: () => 0,
    labels: { skipped: lib.SKIP_REASONS, ended: lib.END_REASONS },
    seconds: () => 1.5,
  });
  const stats = registry.read();
  const page = lib.metricsText(stats, { version: "0.1.0" });
  assertPromtool(page);
  const s = samples(page);
  const m = stats.meter;
  assert.equal(s.get('flowprobe_build_info{version="0.1.0"}'), "1");
  assert.equal(get(s, "flowprobe_packets_read_total"), m.read);
  assert.equal(get(s, "flowprobe_packets_metered_total"), m.metered);
  assert.equal(get(s, "flowprobe_metered_bytes_total"), m.bytes);
  assert.equal(get(s, "flowprobe_unselected_packets_total"), m.unselected);
  assert.equal(get(s, "flowprobe_non_ip_packets_total"), m.nonIp);
  assert.equal(get(s, "flowprobe_flows_created_total"), m.created);
  assert.equal(get(s, "flowprobe_file_read_bytes_total"), BigInt(bytes));
  let skipped = 0n;
  for (const r of lib.SKIP_REASONS) {
    const v = get(s, `flowprobe_skipped_packets_total{reason="${r.key}"}`);
    assert.equal(v, m.skipped.get(r.key) ?? 0n, r.key);
    skipped += v;
  }
  assert.equal(skipped, m.skippedTotal);
  assert.ok(skipped > 0n, "the malformed captures skip some packets");
  // the read identity the summary states: read = metered + not selected + non-IP + skipped
  assert.equal(m.read, m.metered + m.unselected + m.nonIp + skipped);
  let exported = 0n;
  for (const r of lib.END_REASONS) {
    const v = get(s, `flowprobe_flows_exported_total{reason="${r.key}"}`);
    assert.equal(v, m.exported.get(r.key) ?? 0n);
    exported += v;
    // each target's, and the targets' sum is the total (no target was taken away)
    const web = get(s, `flowprobe_target_flows_exported_total{target="web",reason="${r.key}"}`);
    const all = get(s, `flowprobe_target_flows_exported_total{target="all \\"quoted\\\\",reason="${r.key}"}`);
    assert.equal(web, stats.targets[0].meter.exported.get(r.key));
    assert.equal(all, stats.targets[1].meter.exported.get(r.key));
    assert.equal(web + all, v);
  }
  assert.equal(exported, m.exportedTotal);
  assert.ok(get(s, 'flowprobe_flows_exported_total{reason="lack_of_resources"}') > 0n, "a cache of 8 flows ends some for room");
  assert.equal(get(s, 'flowprobe_target_packets_total{target="web"}'), stats.targets[0].meter.packets);
  assert.equal(get(s, 'flowprobe_target_peak_active_flows{target="web"}'), BigInt(stats.targets[0].meter.peak));
  // a family with nothing to say in this run is not on the page (no ring figures from a file)
  assert.ok(!page.includes("flowprobe_ring_drops_total"));
  assert.ok(!page.includes("flowprobe_file_size_bytes"), "a stream has no size");
});

test("a slow stream: the page is served while reading; its counters follow the reading and end as the summary's and the oracle's", async () => {
  const port = freePort();
  const capture = readFileSync(HTTP_CAPTURE.file);
  // the first 300 records, then the rest (pcap: a 24-byte header, records of 16 + caplen)
  let at = 24;
  for (let n = 0; n < 300; n++) at += 16 + capture.readUInt32LE(at + 8);
  const child = spawn(process.execPath, [cli, "-r", "-", "--metrics", String(port), "--seed", "1", "-d", `127.0.0.1:${freePort(port + 1)}`], { stdio: ["pipe", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  const closed = new Promise((r) => child.on("close", r));
  try {
    child.stdin.write(capture.subarray(0, at));
    // (one reading a second: the page follows the registry's last)
    let page = "";
    await waitFor(async () => (page = await scrapeOrEmpty(port)).includes("flowprobe_packets_read_total 300\n"), 5000, "300 packets on the page");
    assertPromtool(page);
    let s = samples(page);
    assert.equal(get(s, 'flowprobe_target_packets_total{target="default"}'), 300n);
    child.stdin.write(capture.subarray(at));
    await waitFor(async () => (page = await scrapeOrEmpty(port)).includes(`flowprobe_packets_read_total ${HTTP_CAPTURE.oracle.packets}\n`), 5000, "every packet on the page");
    assertPromtool(page);
    s = samples(page);
    child.stdin.end();
    const code = await closed;
    assert.equal(code, 0, stderr);
    const o = HTTP_CAPTURE.oracle;
    const summaryNum = (re) => BigInt(re.exec(stderr)[1].replace(/,/g, ""));
    // the oracle's (tshark), the summary's and the page's
    assert.equal(get(s, "flowprobe_packets_read_total"), BigInt(o.packets));
    assert.equal(get(s, "flowprobe_packets_read_total"), summaryNum(/read ([\d,]+) packets/));
    assert.equal(get(s, "flowprobe_packets_metered_total"), summaryNum(/metered ([\d,]+) packets/));
    assert.equal(get(s, "flowprobe_metered_bytes_total"), BigInt(o.ip_bytes));
    assert.equal(get(s, "flowprobe_metered_bytes_total"), summaryNum(/\(([\d,]+) IP bytes/));
    assert.equal(get(s, "flowprobe_file_read_bytes_total"), BigInt(capture.length));
    // every flow was made by the last packet; the summary exports each of them once
    assert.equal(get(s, "flowprobe_flows_created_total"), BigInt(o.flow_count));
    assert.equal(get(s, "flowprobe_flows_created_total"), summaryNum(/flows exported ([\d,]+)/));
    // (a server stopped with the run: nothing listens now)
    await assert.rejects(fetch(`http://127.0.0.1:${port}/metrics`));
  } finally {
    child.kill("SIGKILL");
  }
});

async function scrapeOrEmpty(port) {
  try {
    return await scrape(port);
  } catch {
    return "";
  }
}

async function waitFor(cond, ms, what) {
  for (const end = Date.now() + ms; !(await cond());) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

test("a metrics port in use, and bad addresses: a clear error at start, exit status 2", async () => {
  const port = freePort();
  const holder = net.createServer().listen(port, "127.0.0.1");
  await new Promise((r) => holder.once("listening", r));
  try {
    const r = flowprobe(["-r", HTTP_CAPTURE.file, "--metrics", String(port)]);
    assert.equal(r.status, 2, r.stderr);
    assert.equal(r.stderr, `flowprobe: error: --metrics 127.0.0.1:${port}: the port is in use (another process listens on it): choose another port, or stop that process\n`);
    assert.equal(r.stdout, "", "nothing metered");
  } finally {
    holder.close();
  }
  const bad = [
    ["99999", /port 99999 is out of range 1-65535/],
    ["0", /port 0 is out of range 1-65535/],
    [":9155", /no host before the colon; expected PORT \(loopback\), HOST:PORT or \[IPv6\]:PORT.*0\.0\.0\.0 or \[::\] on every address/],
    ["::1:9155", /an IPv6 address goes in brackets: \[::1\]:9155/],
    ["[10.0.0.1]:9155", /"10\.0\.0\.1" in brackets is not an IPv6 address/],
    ["localhost:http", /port "http" is not a number/],
    ["host_name:9155", /"host_name" is not an IPv4 address or a host name/],
    ["300.1.1.1:9155", /"300\.1\.1\.1" is not an IPv4 address or a host name/],
    ["192.0.2.1:9155", /--metrics 192\.0\.2\.1:9155: 192\.0\.2\.1 is not an address of this host/],
  ];
  for (const [text, want] of bad) {
    const r = flowprobe(["-r", HTTP_CAPTURE.file, "--metrics", text]);
    assert.equal(r.status, 2, `${text}: ${r.stderr}`);
    assert.match(r.stderr, want, text);
    assert.match(r.stderr, /^flowprobe: error: --metrics /, text);
    assert.equal(r.stdout, "", text);
  }
  // the config file's key names itself
  const dir = mkdtempSync(path.join(tmpdir(), "prm-"));
  try {
    const file = path.join(dir, "c.json");
    writeFileSync(file, JSON.stringify({ metrics: "70000" }));
    const r = flowprobe(["--config", file, "-r", HTTP_CAPTURE.file]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /c\.json: metrics "70000": port 70000 is out of range 1-65535/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("parseListen: a port alone is loopback; HOST:PORT and [IPv6]:PORT as written", () => {
  assert.deepEqual(lib.parseListen("9155"), { host: "127.0.0.1", port: 9155 });
  assert.deepEqual(lib.parseListen("0.0.0.0:9155"), { host: "0.0.0.0", port: 9155 });
  assert.deepEqual(lib.parseListen("[::]:9155"), { host: "::", port: 9155 });
  assert.deepEqual(lib.parseListen("localhost:9155"), { host: "localhost", port: 9155 });
});

test("SIGTERM while scrapes are open (one half sent, one kept alive): the run ends at once, exit 0", async () => {
  const port = freePort();
  const child = spawn(process.execPath, [cli, "-r", "-", "--metrics", `[::1]:${port}`], { stdio: ["pipe", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  const closed = new Promise((r) => child.on("close", (code, sig) => r(code ?? sig)));
  const sockets = [];
  try {
    child.stdin.write(readFileSync(HTTP_CAPTURE.file)); // (stdin stays open: a stream still under way)
    let page = "";
    await waitFor(async () => { try { page = await scrape(port, "::1"); return true; } catch { return false; } }, 5000, "the page on [::1]");
    assertPromtool(page);
    // a scraper that sent half its request, and one that keeps its connection after a whole one
    const half = net.connect(port, "::1");
    half.on("error", () => {});
    await new Promise((r) => half.once("connect", r));
    half.write("GET /metrics HTTP/1.1\r\nHost: x\r\n");
    const kept = net.connect(port, "::1");
    kept.on("error", () => {});
    let got = "";
    kept.on("data", (d) => (got += d));
    await new Promise((r) => kept.once("connect", r));
    kept.write("GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n");
    await until(() => got.includes("flowprobe_build_info"), 5000, "the kept-alive answer");
    sockets.push(half, kept);
    const t0 = Date.now();
    child.kill("SIGTERM");
    let timer;
    const code = await Promise.race([closed, new Promise((r) => (timer = setTimeout(() => r("hung"), 10000)))]);
    clearTimeout(timer);
    assert.equal(code, 0, stderr);
    assert.ok(Date.now() - t0 < 5000, `exited ${Date.now() - t0} ms after SIGTERM`);
    assert.match(stderr, /SIGTERM: stopped reading; exporting every active flow/);
  } finally {
    for (const s of sockets) s.destroy();
    child.kill("SIGKILL");
  }
});

test("live: the page inside the capture's namespace follows the rings; at the end it equals the summary and the oracle", async () => {
  await withVeth("prm", async (ns, ifindex) => {
    const port = freePort();
    // scraped from inside the namespace (its loopback), as a local Prometheus would
    const scrapeIn = () => ns.exec(process.execPath, ["-e", `fetch("http://127.0.0.1:${port}/metrics").then((r) => r.text()).then((t) => process.stdout.write(t), () => {})`]);
    const run = await startLive(ns, ["-i", "fp0", "--promisc", "--metrics", String(port)]);
    assert.equal(run.child.exitCode, null, run.stderr);
    replay(ns, "fp1", HTTP_CAPTURE.name);
    const o = HTTP_CAPTURE.oracle;
    let page = "";
    // (once a second, after the shim's statistics message: the last packets' tick)
    await waitFor(async () => (page = scrapeIn()).includes(`flowprobe_packets_metered_total ${o.packets}\n`), 8000, `${o.packets} packets metered on the page`);
    assertPromtool(page);
    const s = samples(page);
    await run.stop();
    assert.equal(run.code, 0, run.stderr);
    const summaryNum = (re) => BigInt(re.exec(run.stderr)[1].replace(/,/g, ""));
    assert.equal(get(s, "flowprobe_packets_metered_total"), summaryNum(/metered ([\d,]+) packets/));
    assert.equal(get(s, "flowprobe_metered_bytes_total"), BigInt(o.ip_bytes));
    assert.equal(get(s, "flowprobe_metered_bytes_total"), summaryNum(/\(([\d,]+) IP bytes/));
    assert.equal(get(s, "flowprobe_packets_read_total"), summaryNum(/read ([\d,]+) packets/));
    // one interface: its ring's row is the whole of the kernel's counts
    assert.equal(get(s, 'flowprobe_ring_packets_total{interface="fp0"}'), summaryNum(/kernel: packets ([\d,]+)/));
    assert.equal(get(s, 'flowprobe_ring_drops_total{interface="fp0"}'), summaryNum(/ring drops ([\d,]+)/));
    assert.equal(get(s, 'flowprobe_ring_freezes_total{interface="fp0"}'), summaryNum(/ring freezes ([\d,]+)/));
    assert.equal(get(s, 'flowprobe_ring_drops_total{interface="fp0"}'), 0n);
    assert.equal(get(s, `flowprobe_capture_interface_info{interface="fp0",ifindex="${ifindex}"}`), 1n);
    assert.equal(get(s, "flowprobe_flows_created_total"), BigInt(o.flow_count));
    assert.equal(get(s, "flowprobe_flows_created_total"), summaryNum(/flows exported ([\d,]+)/));
  });
});
