// Live-capture test helpers: flowprobe started in a test namespace (helpers/netns.mjs),
// captures replayed into a veth there, and flows compared with a capture's oracle.
import { afterEach } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { cli, fixtures, parseFlows, key, oracleCaptures, root } from "./run.mjs";
import { makeNs, until } from "./netns.mjs";

export const oracleOf = (name) => oracleCaptures().find((c) => c.name === name);

// a test that failed half-way leaves no flowprobe running (it would keep this file's process alive)
const running = new Set();
afterEach(() => {
  for (const c of running) c.kill("SIGKILL");
  running.clear();
});

/** Starts flowprobe in namespace ns; resolves once the shim captures. */
export function startLive(ns, args, ready = /capturing on/) {
  return startRun(ns, process.execPath, [cli, "--seed", "1", ...args], ready);
}

/** startLive through the library with app options (src/app.ts AppOptions: intervals the command line does not set). */
export function startLiveApp(ns, options, args, ready = /capturing on/) {
  return startRun(ns, process.execPath, [path.join(root, "test", "helpers", "flowprobe-app.cjs"), JSON.stringify(options), "--seed", "1", ...args], ready);
}

/** startLive, as an unprivileged user with no capabilities (setpriv). */
export function startLiveAs(ns, user, args) {
  return startRun(ns, "setpriv", [`--reuid=${user}`, "--regid=nogroup", "--clear-groups", "--inh-caps=-all", process.execPath, cli, ...args], /capturing on/);
}

/** Starts `cmd argv` in namespace ns; resolves once `ready` shows on its stderr (or it exits). */
export async function startRun(ns, cmd, argv, ready) {
  const child = ns.spawn(cmd, argv, { stdio: ["ignore", "pipe", "pipe"] });
  running.add(child);
  const run = { child, stdout: "", stderr: "" };
  child.stdout.on("data", (d) => (run.stdout += d));
  child.stderr.on("data", (d) => (run.stderr += d));
  run.closed = new Promise((resolve) => child.on("close", resolve));
  await until(() => ready.test(run.stderr) || child.exitCode !== null, 10000, `flowprobe capturing: ${run.stderr}`);
  run.stop = () => stopRun(run);
  return run;
}

/** Captures with `args` while `capture` is replayed into fp1; returns the finished run (exit 0 checked). */
export async function captureReplay(ns, args, capture, start = startLive) {
  const run = await start(ns, args);
  replay(ns, "fp1", capture);
  await run.stop();
  assert.equal(run.code, 0, run.stderr);
  return run;
}

/** SIGTERM after the last ring block retired (50 ms); flowprobe must exit within 20 s. */
async function stopRun(run) {
  await new Promise((r) => setTimeout(r, 600));
  run.child.kill("SIGTERM");
  let timer;
  const code = await Promise.race([run.closed, new Promise((r) => (timer = setTimeout(() => r("hung"), 20000)))]);
  clearTimeout(timer); // a pending timer would keep the test file's process alive for 20 s
  if (code === "hung") {
    run.child.kill("SIGKILL");
    throw new Error(`flowprobe did not exit within 20 s of SIGTERM: ${run.stderr}`);
  }
  run.code = code;
  return run;
}

/** Replays a capture into interface `iface` of ns at a moderate rate; waits until done. */
export function replay(ns, iface, name, pps = 2000) {
  ns.exec("tcpreplay", ["-q", "-i", iface, "--pps", String(pps), path.join(fixtures, "pcaps", name)], { stdio: "ignore" });
}

export const num = (re, text) => {
  const m = re.exec(text);
  assert.ok(m, `${re} in ${text}`);
  return Number(m[1].replace(/,/g, ""));
};

/** Replays `name` into fp1 while `run` captures, stops it (exit 0 checked) and compares its flows with the capture's oracle. */
export async function replayCompare(ns, run, name = "zeek--http--bro.org.pcap") {
  replay(ns, "fp1", name);
  await run.stop();
  assert.equal(run.code, 0, run.stderr);
  compare(run.stdout, oracleOf(name).oracle);
}

/** Per 5-tuple sums of flowprobe's JSON flows, and of the oracle's. */
export function compare(stdout, oracle) {
  const got = new Map();
  for (const f of parseFlows(stdout)) {
    const k = key(f.src_addr, f.dst_addr, Number(f.proto), Number(f.src_port), Number(f.dst_port));
    const g = got.get(k) ?? { packets: 0n, bytes: 0n };
    g.packets += f.packets;
    g.bytes += f.bytes;
    got.set(k, g);
  }
  const want = new Map(oracle.flows.map((f) => [key(f.src, f.dst, f.proto, f.sport, f.dport), { packets: BigInt(f.packets), bytes: BigInt(f.bytes) }]));
  assert.deepEqual(Object.fromEntries([...got].sort()), Object.fromEntries([...want].sort()));
}

/** Runs fn(ns, ifindex of fp0) with a new namespace holding the veth pair fp0–fp1; removes the namespace after. */
export async function withVeth(prefix, fn) {
  const ns = makeNs(prefix);
  try {
    return await fn(ns, ns.veth("fp0", "fp1"));
  } finally {
    ns.del();
  }
}
