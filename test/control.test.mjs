// The control socket and the stat file against a running flowprobe: a capture file streamed
// on standard input (kept open, so the run goes on while the verbs are tried), exported as
// IPFIX to nfcapd. stat --json's totals must equal the oracle's, the end-of-run summary's and
// the flows nfdump reads back; every verb answers; the socket is 0600, a second flowprobe on
// its path refuses to start, a stale one from a killed process is reused; the error cases.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, existsSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { cli, fixtures, flowprobe, parseFlows } from "./helpers/run.mjs";
import { startNfcapd } from "./helpers/collector.mjs";
import { until } from "./helpers/netns.mjs";

const capture = path.join(fixtures, "pcaps", "zeek--ssh--ssh.pcap");
const oracle = JSON.parse(readFileSync(`${capture}.oracle.json`, "utf8"));

/** flowprobe ctl/stat: status and output. */
function ctl(...args) {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** One JSON answer line with every integer exact. */
const exact = (line) => JSON.parse(line.replace(/([:\[,])(-?\d{16,})(?=[,}\]])/g, '$1"$2"'));

/** flowprobe reading the capture from a pipe it keeps open; `args` added. */
function streamed(args) {
  const child = spawn(process.execPath, [cli, "--seed", "1", "-r", "-", ...args], { stdio: ["pipe", "pipe", "pipe"] });
  const run = { child, stdout: "", stderr: "" };
  child.stdout.on("data", (d) => (run.stdout += d));
  child.stderr.on("data", (d) => (run.stderr += d));
  run.closed = new Promise((resolve) => child.on("close", (code) => resolve((run.code = code))));
  child.stdin.on("error", () => {}); // (a killed one takes no more)
  child.stdin.write(readFileSync(capture)); // (not ended: the run goes on)
  return run;
}

test("control socket: every verb against a running flowprobe; stat --json totals = oracle = summary = nfcapd; the stat file; removed at exit", async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), "ctl-"));
  const sock = path.join(dir, "fp.sock");
  const statFile = path.join(dir, "stat.txt");
  const nf = await startNfcapd();
  const run = streamed(["-d", `127.0.0.1:${nf.port}`, "--protocol", "10", "--control", sock, "--stat-file", statFile, "--stat-interval", "1"]);
  t.after(() => {
    run.child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  });
  let stat;
  await until(() => {
    if (!existsSync(sock)) return false;
    const r = ctl("stat", "--json", "--control", sock);
    if (r.status !== 0) return false;
    stat = exact(r.stdout).stat;
    return BigInt(stat.meter.read) === BigInt(oracle.packets);
  }, 10000, `every packet read: ${run.stderr}`);
  assert.equal(statSync(sock).mode & 0o777, 0o600, "the socket is its owner's alone");
  assert.ok(statSync(sock).isSocket());
  // the totals equal the oracle's
  assert.equal(BigInt(stat.meter.metered), BigInt(oracle.ip_packets));
  assert.equal(BigInt(stat.meter.bytes), BigInt(oracle.ip_bytes));
  assert.equal(stat.targets[0].name, "default");
  assert.equal(stat.rates.clock, "packet time");
  assert.ok(stat.search.lookups >= oracle.ip_packets && stat.search.probes >= stat.search.lookups, "one lookup per packet at least, one probe per lookup at least");
  assert.ok(stat.destinations[0].socket.sndbuf > 0, "the collector's send buffer");

  // the text
  const text = ctl("stat", "--control", sock);
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, new RegExp(`^Packets: read ${oracle.packets}, metered ${oracle.ip_packets} \\(${oracle.ip_bytes} bytes`, "m"));
  assert.match(text.stdout, /^Hash: metric \d+\.\d\d \[/m);
  assert.match(text.stdout, new RegExp(`^  sock 127\\.0\\.0\\.1:${nf.port}: sent \\d+ pkts`, "m"));
  // softflowctl's spelling
  assert.equal(ctl("ctl", "statistics", "--control", sock).stdout.split("\n")[1], text.stdout.split("\n")[1]);

  // dump-flows: the flows still active, as JSON lines, left in the cache
  const active = stat.meter.active;
  assert.ok(active > 0, "the capture's last flows are active");
  const dump = ctl("ctl", "dump-flows", "--control", sock);
  assert.equal(dump.status, 0, dump.stderr);
  const dumped = parseFlows(dump.stdout);
  assert.equal(dumped.length, active);
  const again = exact(ctl("stat", "--json", "--control", sock).stdout).stat;
  assert.equal(again.meter.active, active, "dump-flows leaves them");
  assert.equal(again.meter.exportedTotal, stat.meter.exportedTotal);
  assert.match(ctl("ctl", "dump-flows", "--target", "nope", "--control", sock).stderr, /no target "nope" \(the targets: default\)/);

  // timeouts, send-templates, reload, counters (none configured here: an empty answer; a name
  // that is none is refused), alerts (none)
  assert.match(ctl("ctl", "timeouts", "--control", sock).stdout, /^target default: inactive timeout 15 s, active timeout 1800 s, TCP end timeout 2 s, maxflows 2000000/);
  assert.match(ctl("ctl", "send-template", "--control", sock).stdout, /to 1 collectors/);
  assert.match(ctl("ctl", "reload", "--control", sock).stdout, /reload started/);
  const none = ctl("ctl", "counters", "--control", sock);
  assert.equal(none.status, 0, none.stderr);
  assert.equal(none.stdout.trim(), "");
  const nope = ctl("ctl", "counters", "nope", "--control", sock);
  assert.equal(nope.status, 1);
  assert.match(nope.stderr, /nope/);
  const alerts = ctl("ctl", "alerts", "--control", sock);
  assert.equal(alerts.status, 0, alerts.stderr);
  assert.equal(alerts.stdout.trim(), "", "no flood detection here: no alerts");

  // expire-all: every active flow exported now, the run going on
  const ex = ctl("ctl", "expire-all", "--json", "--control", sock);
  assert.equal(ex.status, 0, ex.stderr);
  assert.equal(BigInt(exact(ex.stdout).expired), BigInt(active));
  const after = exact(ctl("stat", "--json", "--control", sock).stdout).stat;
  assert.equal(after.meter.active, 0);
  assert.equal(BigInt(after.meter.exportedTotal), BigInt(after.meter.created));
  // what dump-flows listed is what left: the same keys, packets and bytes
  const keyOf = (f) => `${f.src_addr}|${f.dst_addr}|${f.proto}|${f.src_port}|${f.dst_port}|${f.packets}|${f.bytes}`;

  // the stat file: written within its interval, whole
  await until(() => existsSync(statFile) && readFileSync(statFile, "utf8").includes(`exported ${after.meter.exportedTotal}:`), 3000, "the stat file");

  // a second flowprobe on the same path refuses to start, and leaves the first one's socket
  const second = flowprobe(["-r", capture, "--control", sock]);
  assert.equal(second.status, 2);
  assert.match(second.stderr, /--control .*fp\.sock: another flowprobe is running with this control socket/);
  assert.equal(ctl("stat", "--control", sock).status, 0, "the first one still answers");

  // shutdown, as SIGTERM: the summary, the socket removed
  assert.match(ctl("ctl", "shutdown", "--control", sock).stdout, /shutting down/);
  await run.closed;
  assert.equal(run.code, 0, run.stderr);
  assert.ok(!existsSync(sock), "the socket file is removed at exit");
  const exported = Number(/flows exported ([\d,]+)/.exec(run.stderr)[1].replace(/,/g, ""));
  assert.equal(exported, Number(after.meter.exportedTotal), "the summary's = stat --json's");
  assert.match(run.stderr, new RegExp(`metered ${oracle.ip_packets.toLocaleString("en-US")} packets \\(${oracle.ip_bytes.toLocaleString("en-US")} IP bytes`));
  const { flows } = await nf.stop();
  assert.equal(flows.length, exported, "nfcapd got every exported flow");
  const byKey = new Set(flows.map((f) => `${f.src4_addr}|${f.dst4_addr}|${f.proto}|${f.src_port}|${f.dst_port}|${f.in_packets}|${f.in_bytes}`));
  for (const f of dumped) assert.ok(byKey.has(keyOf(f)), `dumped flow ${keyOf(f)} reached nfcapd as listed`);
  assert.match(readFileSync(statFile, "utf8"), new RegExp(`^Flows: active 0 \\(peak \\d+\\), created ${exported}; exported ${exported}:`, "m"), "the stat file's last text is the final one");
});

test("control socket: a stale socket file from a killed flowprobe is reused", async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), "ctl-"));
  const sock = path.join(dir, "fp.sock");
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const first = streamed(["--control", sock]);
  await until(() => ctl("stat", "--control", sock).status === 0, 10000, `first: ${first.stderr}`);
  first.child.kill("SIGKILL");
  await first.closed;
  assert.ok(statSync(sock).isSocket(), "SIGKILL left the socket file");
  const r = ctl("stat", "--control", sock);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /nothing listens there/);
  const second = streamed(["--control", sock]);
  t.after(() => second.child.kill("SIGKILL"));
  await until(() => ctl("stat", "--control", sock).status === 0 || second.code !== undefined, 10000, `second: ${second.stderr}`);
  assert.equal(second.code, undefined, second.stderr);
  await until(() => new RegExp(`^Packets: read ${oracle.packets},`, "m").test(ctl("stat", "--control", sock).stdout), 10000, "the second one reads it all");
  second.child.kill("SIGTERM");
  await second.closed;
  assert.ok(!existsSync(sock));
});

test("control socket: protocol errors are answered, the connection and the run go on", async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), "ctl-"));
  const sock = path.join(dir, "fp.sock");
  const run = streamed(["--control", sock]);
  t.after(() => {
    run.child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  });
  await until(() => ctl("stat", "--control", sock).status === 0, 10000, run.stderr);
  const net = await import("node:net");
  const c = net.connect(sock);
  let got = "";
  c.setEncoding("utf8");
  c.on("data", (d) => (got += d));
  c.write('not json\n["stat"]\n{"cmd":"frobnicate"}\n{}\n{"cmd":"stat"}\n{"cmd":"delete-all"}\n');
  await until(() => got.split("\n").length > 6, 5000, got);
  c.end();
  const lines = got.trim().split("\n").map((l) => JSON.parse(l));
  assert.deepEqual(lines.slice(0, 4).map((l) => l.ok), [false, false, false, false]);
  assert.match(lines[0].error, /one JSON object per line, e\.g\. \{"cmd":"stat"\}; this line is not JSON/);
  assert.match(lines[1].error, /a request is a JSON object/);
  assert.match(lines[2].error, /no verb "frobnicate" \(the verbs: stat, expire-all, dump-flows, send-templates, reload, timeouts, shutdown, counters, alerts; softflowctl's statistics/);
  assert.match(lines[3].error, /"cmd" is missing/);
  assert.equal(lines[4].ok, true);
  assert.match(lines[4].text, /^flowprobe /);
  assert.equal(lines[5].ok, true, "delete-all: softflowctl's, exported here (flowprobe never drops a flow)");
  assert.match(lines[5].text, /^exported \d+ flows \(forced end\)/);
});

test("start errors: a control path or stat file in a missing directory, a path that is no socket: exit 2 with what would be right", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "ctl-"));
  try {
    let r = flowprobe(["-r", capture, "--control", path.join(dir, "missing", "fp.sock")]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--control .*missing\/fp\.sock: its directory .*missing does not exist \(make it, e\.g\. RuntimeDirectory=flowprobe in the service, or give a path in an existing directory\)/);
    r = flowprobe(["-r", capture, "--stat-file", path.join(dir, "missing", "stat.txt")]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--stat-file .*: its directory .*missing does not exist/);
    const plain = path.join(dir, "plain");
    writeFileSync(plain, "x");
    r = flowprobe(["-r", capture, "--control", plain]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--control .*plain: the path is a file, not a socket: give another path, or remove it/);
    assert.equal(readFileSync(plain, "utf8"), "x", "left alone");
    r = flowprobe(["-r", capture, "--stat-file", path.join(plain, "stat.txt")]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--stat-file .*: .*plain is not a directory/);
    r = flowprobe(["-r", capture, "--stat-interval", "0"]);
    assert.equal(r.status, 2);
    // the client
    r = ctl("stat", "--control", path.join(dir, "none.sock"));
    assert.equal(r.status, 1);
    assert.match(r.stderr, /cannot reach flowprobe at .*none\.sock: no such socket; is it running with --control .*none\.sock\?/);
    r = ctl("ctl", "frobnicate");
    assert.equal(r.status, 2);
    assert.match(r.stderr, /no verb "frobnicate"/);
    r = ctl("stat", "--bogus");
    assert.equal(r.status, 2);
    assert.match(r.stderr, /"--bogus": expected --json, --control PATH/);
    r = ctl("counters", "--zero", "http");
    assert.equal(r.status, 2);
    assert.match(r.stderr, /flowprobe counters: "--zero": expected --json, --control PATH, --reset or a counter's NAME/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("start errors as a user who may not write the directory (setpriv to nobody, since root writes anywhere): the stat file's, the control socket's: exit 2 with what would be right", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "prf-ro-"));
  try {
    chmodSync(dir, 0o755); // root's, others may read and search it, not write
    const as = (args) => spawnSync("setpriv", ["--reuid=nobody", "--regid=nogroup", "--clear-groups", "--inh-caps=-all", process.execPath, cli, "-r", capture, ...args], { encoding: "utf8", timeout: 20000 });
    const mine = as([]);
    assert.equal(mine.status, 0, `nobody may read the capture and run flowprobe: ${mine.stderr}`);
    let r = as(["--stat-file", path.join(dir, "stat.txt")]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /--stat-file .*stat\.txt: the directory .*prf-ro-\w+ is not writable by this user \(the temporary file and the rename need it\): give a directory the user may write/);
    r = as(["--control", path.join(dir, "fp.sock")]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /--control .*fp\.sock: the directory .*prf-ro-\w+ is not writable by this user \(the socket is made there, and removed at exit\): give a directory the user may write/);
    assert.deepEqual(readdirSync(dir), [], "nothing made there");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
