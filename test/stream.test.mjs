// A capture streamed on standard input (`tcpdump -w - | flowprobe -r -`): metered and
// exported as it comes, SIGTERM honoured while the stream is quiet, and a collector whose
// socket broke (its route went away) gets a new socket and the templates again.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { cli } from "./helpers/run.mjs";
import { startNfcapd } from "./helpers/collector.mjs";
import { T0, pcapHeader, phase } from "./helpers/stream.mjs";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** Resolves when `cond()` holds, polling; rejects after `ms`. */
async function until(cond, ms, what) {
  for (const end = Date.now() + ms; !cond();) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

test("standard input is metered as it comes: flows that went idle are written before the stream ends", async () => {
  const child = spawn(process.execPath, [cli, "-r", "-", "--no-summary"], { stdio: ["pipe", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  const exit = new Promise((resolve) => child.on("close", resolve));
  child.stdin.write(Buffer.concat([pcapHeader(), phase(T0), phase(T0 + 100, 1)]));
  // the 40 flows of the first phase went idle at the second phase's packet: out now, stream still open
  await until(() => out.split("\n").filter(Boolean).length >= 40, 10000, "the first phase's flows");
  assert.equal(child.exitCode, null, "still reading");
  child.stdin.end();
  assert.equal(await exit, 0);
  assert.equal(out.split("\n").filter(Boolean).length, 41);
});

test("SIGTERM while standard input is quiet: every flow metered reaches the collector, and flowprobe exits", async () => {
  const nf = await startNfcapd();
  const child = spawn(process.execPath, [cli, "-r", "-", "-d", `127.0.0.1:${nf.port}`], { stdio: ["pipe", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  const exit = new Promise((resolve) => child.on("close", resolve));
  child.stdin.write(Buffer.concat([pcapHeader(), phase(T0, 30)]));
  await sleep(700); // metered, waiting for more; the writer keeps the pipe open and says nothing
  child.kill("SIGTERM");
  const code = await Promise.race([exit, sleep(10000).then(() => "still running 10 s after SIGTERM")]);
  child.stdin.destroy();
  const { flows } = await nf.stop();
  assert.equal(code, 0, stderr);
  assert.match(stderr, /SIGTERM: stopped reading; exporting every active flow/);
  assert.equal(flows.length, 30, "every flow");
  assert.equal(flows.reduce((n, f) => n + f.in_packets, 0), 30);
});

// In a network namespace of the test's own (nothing leaves it): a veth end carries the
// collector's address; taking the address away makes sends fail (ENETUNREACH): the collector
// is down, its datagrams are counted as unreachable; putting it back lets flowprobe connect a
// new socket (tried every second), and the collector gets the templates again.
const NS = `fp-reopen-${process.pid}`;
const COLLECTOR = "198.51.100.1"; // TEST-NET-2, only ever inside the namespace
const ip = (...args) => execFileSync("ip", ["-n", NS, ...args]);
const RECEIVER = `
const s = require("node:dgram").createSocket("udp4");
s.on("message", (m) => process.stdout.write(m.toString("hex") + "\\n"));
s.bind(Number(process.argv[1]), process.argv[2], () => process.stdout.write("ready\\n"));
`;

test("a collector whose socket broke is down until a new socket connects, then gets the templates again", async () => {
  execFileSync("ip", ["netns", "add", NS]);
  const children = [];
  try {
    ip("link", "set", "lo", "up");
    ip("link", "add", "fp0", "type", "veth", "peer", "name", "fp1");
    ip("addr", "add", `${COLLECTOR}/32`, "dev", "fp0");
    ip("link", "set", "fp0", "up");
    ip("link", "set", "fp1", "up");
    const port = 4739;
    const receiver = spawn("ip", ["netns", "exec", NS, process.execPath, "-e", RECEIVER, String(port), COLLECTOR], { stdio: ["ignore", "pipe", "pipe"] });
    children.push(receiver);
    let got = "";
    receiver.stdout.on("data", (d) => (got += d));
    await until(() => got.startsWith("ready\n"), 10000, "the receiver");
    const datagrams = () => got.split("\n").slice(1).filter(Boolean).map((h) => Buffer.from(h, "hex"));

    const fp = spawn("ip", ["netns", "exec", NS, process.execPath, cli, "-r", "-", "-d", `${COLLECTOR}:${port}`,
      "--export-rate", "0", "--refresh-rate", "1000"], { stdio: ["pipe", "ignore", "pipe"] });
    children.push(fp);
    let stderr = "";
    fp.stderr.on("data", (d) => (stderr += d));
    const exit = new Promise((resolve) => fp.on("close", resolve));
    // phase 0 goes idle at phase 1: two datagrams, the first with the templates
    fp.stdin.write(Buffer.concat([pcapHeader(), phase(T0), phase(T0 + 100)]));
    await until(() => datagrams().length >= 2, 10000, "the first datagrams");
    const before = datagrams().length;
    ip("addr", "del", `${COLLECTOR}/32`, "dev", "fp0");
    fp.stdin.write(phase(T0 + 200)); // phase 1's datagrams fail: no route
    await sleep(500);
    ip("addr", "add", `${COLLECTOR}/32`, "dev", "fp0");
    await until(() => /can be reached again/.test(stderr), 5000, "the collector back");
    fp.stdin.write(phase(T0 + 300)); // after the new socket: these go
    await sleep(500);
    fp.stdin.write(phase(T0 + 400)); // laid out after the re-creation: templates first
    await sleep(500);
    fp.stdin.end();
    assert.equal(await exit, 0, stderr);
    await sleep(300);
    assert.match(stderr, /down 1 time, reached again 1 time/, stderr);
    assert.equal((stderr.match(/cannot be reached/g) ?? []).length, 1, `one line when it went down: ${stderr}`);
    assert.equal((stderr.match(/can be reached again/g) ?? []).length, 1, `one line when it came back: ${stderr}`);
    const m = /not sent ([\d,]+) \(refused \d+, unreachable ([\d,]+),/.exec(stderr);
    assert.ok(m && Number(m[2]) >= 1, `datagrams counted as unreachable while the route was gone: ${stderr}`);
    const all = datagrams();
    assert.equal(all.length, Number(/= sent ([\d,]+)/.exec(stderr)[1].replace(/,/g, "")), "every datagram sent arrived");
    // which messages carry a template set (id 2 right after the 16-byte header)
    const templated = all.map((dg) => dg.readUInt16BE(16) === 2);
    assert.equal(templated[0], true, "the first message");
    assert.equal(templated.at(-1), true, "the final statistics");
    const middle = templated.slice(before, -1).filter(Boolean).length;
    assert.equal(middle, 1, `templates again once after the re-creation (none from refresh-rate 1000): ${templated.join(",")}`);
  } finally {
    for (const c of children) c.kill("SIGKILL");
    execFileSync("ip", ["netns", "del", NS]);
  }
});

test("a named pipe given to -r is read as a stream, and closed cleanly", async () => {
  const dir = execFileSync("mktemp", ["-d"], { encoding: "utf8" }).trim();
  try {
    const fifo = `${dir}/capture.fifo`;
    execFileSync("mkfifo", [fifo]);
    const child = spawn(process.execPath, [cli, "-r", fifo, "--no-summary"], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "", err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    const exit = new Promise((resolve) => child.on("close", resolve));
    const { writeFileSync } = await import("node:fs");
    writeFileSync(fifo, Buffer.concat([pcapHeader(), phase(T0, 25)])); // opens, writes, closes: the end of the stream
    assert.equal(await exit, 0, err);
    assert.equal(out.split("\n").filter(Boolean).length, 25);
  } finally {
    execFileSync("rm", ["-rf", dir]);
  }
});
