// What a gateway's operator meets: a collector with no route yet (a gateway that boots
// before its WAN or VPN), an internal error, signals (SIGTERM twice, SIGUSR1, SIGHUP), a closed
// standard output, and the one-line errors for a bad file or interface.
import { test, afterEach } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { closeSync, copyFileSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { cli, root, fixtures, flowprobe, parseFlows } from "./helpers/run.mjs";
import { startNfcapd, freePort } from "./helpers/collector.mjs";
import { makeNs, until } from "./helpers/netns.mjs";
import { T0, pcapHeader, phase } from "./helpers/stream.mjs";
import * as P from "./helpers/packets.mjs";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const sample = path.join(fixtures, "pcaps", "zeek--http--bro.org.pcap");

// a test that failed half-way leaves nothing running (it would keep this file's process alive)
const running = new Set();
afterEach(() => {
  for (const c of running) c.kill("SIGKILL");
  running.clear();
});

/** Starts a command with piped stdio (`ip netns exec` execs it: the child is the command); the run keeps its output and exit. */
function start(cmd, args, opts = {}) {
  const child = spawn(cmd, args, { stdio: ["pipe", "pipe", "pipe"], ...opts });
  running.add(child);
  const run = { child, stdout: "", stderr: "" };
  child.stdin.on("error", () => {});
  child.stdout.on("data", (d) => (run.stdout += d));
  child.stderr.on("data", (d) => (run.stderr += d));
  run.exit = new Promise((resolve) => child.on("close", (code, signal) => resolve(code ?? signal)));
  return run;
}

/** Resolves with the exit status, or "hung" after `ms`. */
const exitWithin = (run, ms) => Promise.race([run.exit, sleep(ms).then(() => "hung")]);

test("a collector with no route yet is down, its datagrams are counted; once the route is added it gets the templates and every later flow", async () => {
  // flowprobe's namespace reaches the collector's only through a route added mid-run
  const fp = makeNs("fp-noroute");
  const col = makeNs("fp-col");
  let nf;
  try {
    fp.veth("nr0", "nr1", { peerNs: col });
    fp.ip("addr", "add", "10.9.0.1/24", "dev", "nr0");
    col.ip("addr", "add", "10.9.0.2/24", "dev", "nr1");
    col.ip("addr", "add", "10.1.1.1/32", "dev", "lo");
    nf = await startNfcapd(2055, col, "10.1.1.1");
    const run = start("ip", ["netns", "exec", fp.name, process.execPath, cli, "-r", "-", "-d", "10.1.1.1:2055", "--export-rate", "0", "--seed", "1"]);
    // phase 1 goes idle at phase 2 (its datagrams: no route), phase 2 at phase 3 (after the route)
    run.child.stdin.write(Buffer.concat([pcapHeader(), phase(T0, 30), phase(T0 + 100, 20)]));
    await until(() => /cannot be reached \(ENETUNREACH/.test(run.stderr), 5000, `the collector said down: ${run.stderr}`);
    fp.ip("route", "add", "10.1.1.0/24", "via", "10.9.0.2");
    await until(() => /collector 10\.1\.1\.1:2055 can be reached now/.test(run.stderr), 5000, `the collector back: ${run.stderr}`);
    run.child.stdin.end(phase(T0 + 200, 10));
    assert.equal(await exitWithin(run, 10000), 0, run.stderr);
    const { flows } = await nf.stop();
    nf = undefined;
    // nfcapd decodes data only after its template: both later phases arrived whole; of the
    // first, what was sent while there was no route is lost (the flows still staged in a
    // datagram then went out with the next one)
    const ports = flows.map((f) => f.dst_port);
    assert.equal(ports.filter((p) => p === 2100).length, 20, `phase 2 reached the collector: ${run.stderr}`);
    assert.equal(ports.filter((p) => p === 2200).length, 10, "phase 3 too");
    assert.ok(ports.filter((p) => p === 2000).length < 30, "a datagram of phase 1 went while there was no route");
    assert.equal((run.stderr.match(/cannot be reached/g) ?? []).length, 1, "one line when down");
    assert.equal((run.stderr.match(/can be reached now/g) ?? []).length, 1, "one line when back");
    const m = /datagrams (\d+) = sent (\d+) \+ not sent (\d+) \(refused 0, unreachable (\d+), send buffer full 0, send queue full 0, other 0\)/.exec(run.stderr);
    assert.ok(m, run.stderr);
    const [datagrams, sent, notSent, unreachable] = m.slice(1).map(Number);
    assert.equal(datagrams, sent + notSent);
    assert.ok(unreachable >= 1 && unreachable === notSent, run.stderr);
    assert.match(run.stderr, /down 1 time, reached again 1 time/);
    assert.doesNotMatch(run.stderr, /internal error/);
  } finally {
    nf?.kill();
    fp.del();
    col.del();
  }
});

test("collectors that cannot be reached at all: no route, link-local without a scope, an address of no host, a name that does not resolve; the run completes, exit 0", () => {
  const ns = makeNs("fp-unreach");
  try {
    for (const dest of ["10.1.1.1:2055", "[fe80::1]:2055", "[2001:db8::1]:2055", "collector.invalid:2055"]) {
      const r = spawnSync("ip", ["netns", "exec", ns.name, process.execPath, cli, "-r", sample, "-d", dest, "--seed", "1"], { encoding: "utf8", timeout: 20000 });
      assert.equal(r.status, 0, `${dest}: ${r.stderr}`);
      assert.match(r.stderr, /cannot be reached \((ENETUNREACH|EINVAL|EHOSTUNREACH|EAI_AGAIN|ENOTFOUND)/, dest);
      assert.match(r.stderr, /flows exported 26:/, dest);
      assert.match(r.stderr, /datagrams (\d+) = sent 0 \+ not sent \1 \(refused 0, unreachable \1,/, dest);
      assert.doesNotMatch(r.stderr, /internal error|\n\s+at /, dest);
    }
  } finally {
    ns.del();
  }
});

test("a router on the way answers 'network prohibited' (ICMP net unreachable): reported once, the collector is not taken for down", async () => {
  const fp = makeNs("fp-icmpnet");
  const col = makeNs("fp-col");
  try {
    fp.veth("nr0", "nr1", { peerNs: col });
    fp.ip("addr", "add", "10.9.0.1/24", "dev", "nr0");
    col.ip("addr", "add", "10.9.0.2/24", "dev", "nr1");
    fp.ip("route", "add", "10.1.1.0/24", "via", "10.9.0.2");
    col.exec("nft", ["add table inet t; add chain inet t in { type filter hook input priority 0; }; add rule inet t in udp dport 2055 reject with icmp type net-prohibited; add chain inet t fw { type filter hook forward priority 0; }"]);
    col.ip("addr", "add", "10.1.1.1/32", "dev", "lo");
    const run = start("ip", ["netns", "exec", fp.name, process.execPath, cli, "-r", "-", "-d", "10.1.1.1:2055", "--export-rate", "0", "--seed", "1"]);
    run.child.stdin.write(pcapHeader());
    for (let i = 0; i < 6; i++) {
      run.child.stdin.write(phase(T0 + 100 * i, 30)); // each phase's flows leave at the next: datagrams over seconds
      await sleep(500);
    }
    run.child.stdin.end();
    assert.equal(await exitWithin(run, 10000), 0, run.stderr);
    assert.equal((run.stderr.match(/is reported unreachable \(ENETUNREACH/g) ?? []).length, 1, run.stderr);
    assert.doesNotMatch(run.stderr, /cannot be reached|down \d+ time/, "a report from afar is not a missing route");
    const m = /datagrams (\d+) = sent (\d+) \+ not sent (\d+) \(refused 0, unreachable (\d+), .*host unreachable (\d+)/.exec(run.stderr);
    assert.ok(m, run.stderr);
    const [datagrams, sent, notSent, unreachable, reports] = m.slice(1).map(Number);
    assert.equal(datagrams, sent + notSent);
    assert.equal(notSent, unreachable);
    assert.ok(reports >= 1, run.stderr);
  } finally {
    fp.del();
    col.del();
  }
});

test("standard error gone (a full disk, a closed log pipe): the run goes on, every flow is written, exit 0", () => {
  // JSON lines to standard output; then export to a collector that refuses (log lines mid-run)
  for (const args of [["-r", sample], ["-r", sample, "-d", `127.0.0.1:${freePort()}`]]) {
    const full = openSync("/dev/full", "w"); // every write fails with ENOSPC
    try {
      const r = spawnSync(process.execPath, [cli, ...args, "--seed", "1"], { encoding: "utf8", stdio: ["ignore", "pipe", full], timeout: 20000 });
      assert.equal(r.status, 0, args.join(" "));
      if (!args.includes("-d")) assert.equal(parseFlows(r.stdout).length, 26);
    } finally {
      closeSync(full);
    }
  }
});

for (const fault of ["send", "timer"]) {
  test(`an internal error (injected in ${fault === "send" ? "the send queue" : "a timer"}) ends the process at once: exit 70, one line, even with SIGTERM handled and a source still open`, async () => {
    const run = start(process.execPath, [cli, "-r", "-", "-d", `127.0.0.1:${freePort()}`, "--seed", "1"], { env: { ...process.env, FLOWPROBE_FAULT: fault } });
    // a stream that stays open: only the error can end the run
    run.child.stdin.write(Buffer.concat([pcapHeader(), phase(T0, 30), phase(T0 + 100, 1)]));
    const code = await exitWithin(run, 5000);
    run.child.kill("SIGKILL");
    assert.equal(code, 70, run.stderr);
    const lines = run.stderr.split("\n").filter(Boolean).filter((l) => !/refuses datagrams/.test(l));
    assert.equal(lines.length, 1, run.stderr);
    assert.match(lines[0], /^flowprobe: internal error \(a bug in flowprobe; please report this line\): Error: fault injected .*\(at /);
  });
}

/** 20,000 one-packet flows: exported at --export-rate 200 their flush takes many seconds. */
function bigCapture() {
  const packets = [];
  for (let i = 0; i < 20000; i++) {
    packets.push({ ts: [T0, i * 10], data: P.eth(P.ETH_IPV4, P.ipv4(P.udp(1024 + (i % 60000), 53), { proto: 17, src: `10.${i >> 8}.${i & 255}.1` })) });
  }
  const dir = mkdtempSync(path.join(tmpdir(), "fp-big-"));
  const file = path.join(dir, "t.pcap");
  writeFileSync(file, P.pcapFile(1, packets));
  return { file, done: () => rmSync(dir, { recursive: true, force: true }) };
}

test("SIGTERM while a file is read at the pace of a slow collector: reading stops at once, not when the queue has drained", async () => {
  // 20,000 flows over a minute of packet time: idle ones leave while the file is read, and
  // at --export-rate 50 the reader waits for room in the send queue
  const packets = [];
  for (let i = 0; i < 60000; i++) {
    const id = i % 20000;
    packets.push({ ts: [T0 + Math.floor(i / 1000), (i % 1000) * 1000], data: P.eth(P.ETH_IPV4, P.ipv4(P.udp(1024 + (id % 60000), 53), { proto: 17, src: `10.${id >> 8}.${id & 255}.1` })) });
  }
  const dir = mkdtempSync(path.join(tmpdir(), "fp-slow-"));
  const file = path.join(dir, "t.pcap");
  writeFileSync(file, P.pcapFile(1, packets));
  const nf = await startNfcapd();
  try {
    const run = start(process.execPath, [cli, "-r", file, "-d", `127.0.0.1:${nf.port}`, "--export-rate", "50", "--seed", "1"]);
    await sleep(1500);
    run.child.kill("SIGTERM");
    const t = Date.now();
    await until(() => /SIGTERM: stopped reading; exporting every active flow/.test(run.stderr), 5000, `reading stopped: ${run.stderr}`);
    assert.ok(Date.now() - t < 1000, `reading stopped ${Date.now() - t} ms after SIGTERM`);
    run.child.kill("SIGTERM"); // (the flush at 50 datagrams a second would take minutes)
    assert.equal(await exitWithin(run, 2000), 143, run.stderr);
  } finally {
    nf.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});

for (const [sig, status] of [["SIGTERM", 143], ["SIGINT", 130]]) {
  test(`${sig} during the final flush: a second ${sig} ends the process at once, saying so`, async () => {
    const cap = bigCapture();
    const nf = await startNfcapd();
    try {
      const run = start(process.execPath, [cli, "-r", cap.file, "-d", `127.0.0.1:${nf.port}`, "--export-rate", "200", "--seed", "1"]);
      // the file is read at once; its 20,000 flows leave at the end, 200 datagrams a second
      await sleep(700);
      run.child.kill(sig);
      await until(() => new RegExp(`${sig}: the input has ended and every active flow is being exported; a second ${sig} exits at once`).test(run.stderr), 5000, `the first signal taken: ${run.stderr}`);
      assert.equal(await exitWithin(run, 300), "hung", "the flush goes on after the first signal");
      run.child.kill(sig);
      assert.equal(await exitWithin(run, 2000), status, run.stderr);
      assert.match(run.stderr, new RegExp(`${sig} again: exiting at once; flows not exported yet are lost`));
    } finally {
      nf.kill();
      cap.done();
    }
  });
}

/** Whether anything listens on TCP port 9229 (Node's inspector) in this namespace. */
const inspectorListening = () => readFileSync("/proc/net/tcp", "utf8").split("\n").some((l) => / 0100007F:240D [0-9A-F]{8}:[0-9A-F]{4} 0A /.test(l)) ||
  readFileSync("/proc/net/tcp6", "utf8").split("\n").some((l) => /:240D [0-9A-F]{32}:[0-9A-F]{4} 0A /.test(l));

for (const form of ["the bundle", "the single executable"]) {
  test(`SIGUSR1 prints the statistics so far and opens no debugger (${form}); SIGHUP loses no flow`, async () => {
    assert.equal(inspectorListening(), false, "nothing on 9229 before");
    const dir = mkdtempSync(path.join(tmpdir(), "fp-usr1-"));
    try {
      let cmd = process.execPath, args = [cli];
      if (form === "the single executable") {
        cmd = path.join(dir, "flowprobe");
        copyFileSync(path.join(root, "dist", "flowprobe"), cmd);
        args = [];
      }
      const run = start(cmd, [...args, "-r", "-", "--seed", "1"]);
      const bytes = readFileSync(sample);
      run.child.stdin.write(bytes.subarray(0, 200000));
      await sleep(500); // metered as it comes
      run.child.kill("SIGUSR1");
      await until(() => /SIGUSR1: the statistics so far\n.*read [\d,]+ packets/s.test(run.stderr), 5000, `statistics: ${run.stderr}`);
      await sleep(300);
      assert.equal(inspectorListening(), false, "no inspector on 9229 after SIGUSR1");
      assert.doesNotMatch(run.stderr, /Debugger listening/);
      run.child.kill("SIGHUP");
      await until(() => /SIGHUP: a capture file has nothing to reload/.test(run.stderr), 5000, "SIGHUP said");
      run.child.stdin.end(bytes.subarray(200000));
      assert.equal(await exitWithin(run, 10000), 0, run.stderr);
      // every flow, as without the signals
      assert.equal(parseFlows(run.stdout).length, 26);
      assert.match(run.stderr, /flows exported 26:/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test("standard output closed by its reader (flowprobe … | head -1): exit 0, nothing on standard error", async () => {
  const cap = bigCapture(); // megabytes of JSON: far more than a pipe holds
  try {
    const run = start(process.execPath, [cli, "-r", cap.file, "--seed", "1"]);
    run.child.stdout.once("data", () => run.child.stdout.destroy());
    assert.equal(await exitWithin(run, 10000), 0, run.stderr);
    assert.equal(run.stderr, "");
  } finally {
    cap.done();
  }
});

test("errors before anything was read are one line, without a summary", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "fp-err-"));
  try {
    const cases = [
      [[dir], 2, new RegExp(`^flowprobe: error: ${dir} is a directory: give a capture file \\(pcap or pcapng\\), or - for standard input\\n$`)],
      [[path.join(dir, "missing.pcap")], 1, /^flowprobe: error: cannot open .*missing\.pcap: ENOENT: no such file or directory.*\n$/],
      [[path.join(fixtures, "malformed", "damaged-empty.pcap")], 1, /^flowprobe: error: .*damaged-empty\.pcap: empty file: no capture file header \(byte offset 0\)\n$/],
      [[path.join(fixtures, "malformed", "damaged-random-bytes.pcap")], 1, /^flowprobe: error: .*: not a capture file: first bytes .* are no pcap or pcapng magic number \(byte offset 0\)\n$/],
    ];
    for (const [[file], status, re] of cases) {
      const r = flowprobe(["-r", file]);
      assert.equal(r.status, status, file);
      assert.match(r.stderr, re, file);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the summary speaks of one packet as one packet", () => {
  const r = flowprobe(["-r", path.join(fixtures, "pcaps", "tcpdump--LINKTYPE_IPV4.pcap")]);
  assert.equal(r.status, 0);
  assert.match(r.stderr, /: read 1 packet \(/);
  assert.match(r.stderr, /metered 1 packet \([\d,]+ IP bytes; 0 of the packets IPv6\)/);
});

test("live, an interface that does not exist: said at once, with the interfaces there are; it is waited for; SIGTERM ends it", async () => {
  const ns = makeNs("fp-nosuch");
  try {
    ns.veth("ns0", "ns1");
    const run = start("ip", ["netns", "exec", ns.name, process.execPath, cli, "-i", "nosuch0"]);
    await until(() => /waiting for it/.test(run.stderr), 10000, `the warning: ${run.stderr}`);
    assert.match(run.stderr, /flowprobe: warning: no interface nosuch0 here now; waiting for it to appear \(a PPP or VPN link may come later\)\. The interfaces here: lo, ns0, ns1\n/);
    run.child.kill("SIGTERM");
    assert.equal(await exitWithin(run, 10000), 0, run.stderr);
  } finally {
    ns.del();
  }
});
