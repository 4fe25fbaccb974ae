// Benchmark of the statistics (issue 13, "Benchmark"): the offline bench with stats on —
// control socket open, metrics served, stat file every second — against the same run without
// them. Goal: within 3%.
//
//   off: flowprobe -r FILE --seed 1                        (JSON lines to /dev/null)
//   on:  the same + --control PATH --metrics 127.0.0.1:PORT --stat-file PATH --stat-interval 1
//        while this process, as an operator's tools would, once a second scrapes the page,
//        asks `stat` (JSON) over the socket and reads the stat file.
//
// The capture is bench/gen.mjs's uniform one made longer: PACKETS (default 40,000,000) packets
// of the same 100,000 flows over the same minute, 3.8 GB, kept in bench/out. A run takes ~5 s
// here, so the registry's readings (the file run's host tick, src/tick.ts HostTick: once a
// second of wall time — the file source lets timers run between its walks), the stat file's
// writes and the scrapes each happen several times, and a fixed start-up cost (node:http,
// the two listens: ~10-25 ms) is under 1% of it. A 0.36-s run (bench/run.mjs's file) is over
// before the first tick: its page and stat file would show the start's reading only.
//
// Every run is a whole process; its CPU (user + sys, GNU time) is the main figure, wall time
// beside. RUNS (default 15) of each, interleaved off, on, off, on … so a busy moment of the
// shared machine hits both alike; the medians, the spread (min-max and the middle half), and
// the ratio on/off pair by pair. The verdict is on the median of the pairs' CPU ratios, with
// a bootstrap 90% interval of it: "met" when the whole interval is within 3%, "MISSED" when
// all of it is above, otherwise "not shown" (the machine's noise is larger than what is to be
// shown: run it again on a quiet machine, or with more RUNS). Each "on" run must have seen
// the figures refresh (several distinct packet counts in the pages, the answers and the stat
// file), or the bench says so: then it measured nothing.
//
// `node bench/stats.mjs` after `npm run build:core`; `npm run bench` runs it. Figures in
// bench/out/stats.json.

import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { ROOT, OUT, cachedCapture, median } from "./common.mjs";
import { mulberry32 } from "./gen.mjs";

const PACKETS = Number(process.env.PACKETS ?? 40_000_000);
const FILE = path.join(OUT, `uniform-${PACKETS / 1e6}m.pcap`);
const FLOWPROBE = path.join(ROOT, "dist", "flowprobe.cjs");
const GNU_TIME = "/usr/bin/time";
const RUNS = Number(process.env.RUNS ?? 15);
/** How often the operator polls, ms (POLL_MS: a shorter one magnifies the cost of a scrape and a `stat`). */
const POLL_MS = Number(process.env.POLL_MS ?? 1000);
const GOAL_WITHIN = 0.03;
/** An "on" run shows the figures refreshing when each reader saw at least this many different packet counts. */
const MIN_DISTINCT_READINGS = 3;
/** PIN=CPU runs every flowprobe on that processor alone (taskset), V8's threads with it. */
const PIN = process.env.PIN;
// as bench/run.mjs: Node's startup cost of parsing a CA bundle is not flowprobe's
const ENV = Object.fromEntries(Object.entries(process.env).filter(([k]) => !["NODE_EXTRA_CA_CERTS", "NODE_OPTIONS"].includes(k)));

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A loopback TCP port free now (the kernel's choice), for a run's --metrics. */
function freeTcpPort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** One request line over the control socket, its answer line (as `flowprobe stat --json` does). */
function ask(socketPath, request) {
  return new Promise((resolve, reject) => {
    const c = net.connect(socketPath);
    let buf = "";
    c.setTimeout(2000, () => c.destroy(new Error("no answer in 2 s")));
    c.on("connect", () => c.write(JSON.stringify(request) + "\n"));
    c.on("data", (d) => {
      buf += d;
      const nl = buf.indexOf("\n");
      if (nl >= 0) {
        c.end();
        resolve(buf.slice(0, nl));
      }
    });
    c.on("error", reject);
    c.on("close", () => reject(new Error("closed without an answer")));
  });
}

/** The operator's tools: once a second the page, `stat` over the socket, the stat file; what each saw. */
function operator(port, socketPath, statPath) {
  const seen = { page: new Set(), stat: new Set(), file: new Set() };
  const count = { page: 0, stat: 0, file: 0, failed: 0 };
  const reasons = new Set();
  const failed = (kind) => (e) => {
    count.failed++;
    reasons.add(`${kind}: ${e.cause?.code ?? e.code ?? e.message}`);
  };
  const note = (kind, n) => {
    if (n === undefined) return;
    count[kind]++;
    seen[kind].add(n);
  };
  let busy = false;
  const poll = async () => {
    if (busy) return; // (one poll at a time: a slow answer is not asked again meanwhile)
    busy = true;
    await Promise.all([
      fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text()).then((t) => note("page", /^flowprobe_packets_read_total (\d+)$/m.exec(t)?.[1])).catch(failed("page")),
      ask(socketPath, { cmd: "stat", json: true }).then((l) => note("stat", JSON.parse(l).stat?.meter?.read)).catch(failed("stat")),
      fs.promises.readFile(statPath, "utf8").then((t) => note("file", /^Packets: read (\d+)/m.exec(t)?.[1])).catch(failed("file")),
    ]);
    busy = false;
  };
  const timer = setInterval(poll, POLL_MS);
  return {
    stop() {
      clearInterval(timer);
      return { ...count, reasons: [...reasons], distinct: { page: seen.page.size, stat: seen.stat.size, file: seen.file.size } };
    },
  };
}

/** One whole-process run: wall (here), CPU and peak RSS (GNU time); with stats on, polled while it runs. */
async function runOnce(statsOn) {
  const port = statsOn ? await freeTcpPort() : undefined;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fp-bench-stats-"));
  const timeFile = path.join(dir, "time");
  const sock = path.join(dir, "flowprobe.sock");
  const statPath = path.join(dir, "stat");
  const argv = [process.execPath, FLOWPROBE, "-r", FILE, "--seed", "1"];
  if (statsOn) argv.push("--control", sock, "--metrics", `127.0.0.1:${port}`, "--stat-file", statPath, "--stat-interval", "1");
  const t0 = process.hrtime.bigint();
  const timed = [GNU_TIME, "-o", timeFile, "-f", "BENCH %U %S %M", ...argv];
  const child = PIN !== undefined ? spawn("taskset", ["-c", PIN, ...timed], { env: ENV, stdio: ["ignore", "ignore", "pipe"] }) : spawn(timed[0], timed.slice(1), { env: ENV, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  const op = statsOn ? operator(port, sock, statPath) : undefined;
  const code = await new Promise((r) => child.on("close", r));
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const polls = op?.stop();
  try {
    if (code !== 0) throw new Error(`flowprobe failed (${code}): ${stderr.slice(-600)}`);
    const t = /BENCH ([\d.]+) ([\d.]+) (\d+)/.exec(fs.readFileSync(timeFile, "utf8"));
    // the stat file's last text is the final figures: every packet
    const last = statsOn ? Number(/^Packets: read (\d+)/m.exec(fs.readFileSync(statPath, "utf8"))?.[1]) : undefined;
    return { wall, cpu: Number(t[1]) + Number(t[2]), rssMB: (Number(t[3]) * 1024) / 1e6, polls, lastFileRead: last };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The q-quantile of xs (linear between order statistics). */
function quantile(xs, q) {
  const s = [...xs].sort((a, b) => a - b);
  const at = (s.length - 1) * q;
  const lo = Math.floor(at);
  return s[lo] + (s[Math.min(lo + 1, s.length - 1)] - s[lo]) * (at - lo);
}

/** A bootstrap 90% interval of the median of xs (seeded: the same runs give the same interval). */
function medianInterval(xs) {
  const rand = mulberry32(13);
  const meds = [];
  for (let b = 0; b < 4000; b++) meds.push(median(xs.map(() => xs[Math.floor(rand() * xs.length)])));
  return [quantile(meds, 0.05), quantile(meds, 0.95)];
}

/** Reads the file once so that every run finds it in the page cache. */
function warm(file) {
  const fd = fs.openSync(file, "r");
  const buf = Buffer.allocUnsafe(8 << 20);
  try {
    while (fs.readSync(fd, buf, 0, buf.length, null) > 0);
  } finally {
    fs.closeSync(fd);
  }
}

const pct = (x) => `${x >= 0 ? "+" : ""}${(x * 100).toFixed(1)}%`;
const load = () => os.loadavg().map((x) => x.toFixed(2)).join(" ");

async function main() {
  if (!fs.existsSync(GNU_TIME)) {
    console.error("bench/stats: /usr/bin/time not installed: apt-get install time");
    return 1;
  }
  if (!fs.existsSync(FLOWPROBE)) {
    console.error("bench/stats: dist/flowprobe.cjs missing: npm run build:core");
    return 1;
  }
  if (!(Number.isInteger(PACKETS) && PACKETS >= 1_000_000) || !(Number.isInteger(RUNS) && RUNS >= 3) || !(POLL_MS >= 10)) {
    console.error(`bench/stats: PACKETS is a whole number of at least 1000000 (given ${process.env.PACKETS}), RUNS one of at least 3 (given ${process.env.RUNS}), POLL_MS at least 10 (given ${process.env.POLL_MS})`);
    return 1;
  }
  const meta = cachedCapture(FILE, { variant: "uniform", packets: PACKETS });
  warm(FILE);
  const started = Date.now();
  const loadBefore = load();
  console.log(`stats: ${path.relative(ROOT, FILE)} (${meta.packets.toLocaleString("en-US")} packets, ${meta.distinctFiveTuples.toLocaleString("en-US")} flows), JSON lines to /dev/null; ${RUNS} runs each, interleaved${PIN !== undefined ? `, flowprobe on CPU ${PIN}` : ""}; load average ${loadBefore}`);
  const runs = { off: [], on: [] };
  for (let i = 0; i < RUNS; i++) {
    runs.off.push(await runOnce(false));
    runs.on.push(await runOnce(true));
    process.stdout.write(`  pair ${i + 1}: CPU ${runs.off[i].cpu.toFixed(2)} / ${runs.on[i].cpu.toFixed(2)} s, wall ${runs.off[i].wall.toFixed(2)} / ${runs.on[i].wall.toFixed(2)} s\n`);
    await sleep(100);
  }
  const loadAfter = load();

  const ROWS = [
    { key: "off", label: "stats off" },
    { key: "on", label: `stats on, polled every ${POLL_MS} ms` },
  ];
  const res = {};
  console.log("\n  run                                          CPU s median (min-max; middle half)     wall s median (min-max)   peak RSS MB   packets/s");
  for (const row of ROWS) {
    const rs = runs[row.key];
    const cpus = rs.map((r) => r.cpu);
    const walls = rs.map((r) => r.wall);
    const r = (res[row.key] = { cpu: median(cpus), cpus, wall: median(walls), walls, rssMB: median(rs.map((x) => x.rssMB)) });
    r.pps = meta.packets / r.wall;
    const cpuSpread = `${Math.min(...cpus).toFixed(2)}-${Math.max(...cpus).toFixed(2)}; ${quantile(cpus, 0.25).toFixed(2)}-${quantile(cpus, 0.75).toFixed(2)}`;
    console.log(`  ${row.label.padEnd(44)} ${r.cpu.toFixed(3).padStart(6)} (${cpuSpread})   ${r.wall.toFixed(3).padStart(6)} (${Math.min(...walls).toFixed(2)}-${Math.max(...walls).toFixed(2)})   ${r.rssMB.toFixed(1).padStart(11)}   ${(r.pps / 1e6).toFixed(2)} M`);
  }

  // what the operator's tools saw in each "on" run: the figures must have refreshed
  const polls = runs.on.map((r) => r.polls);
  const fmt = (k) => polls.map((p) => `${p[k]}/${p.distinct[k]}`).join(" ");
  console.log(`\n  each "on" run, answers/distinct packet counts: page ${fmt("page")}; stat ${fmt("stat")}; stat file ${fmt("file")}; failed polls ${polls.map((p) => p.failed).join(" ")}`);
  const why = [...new Set(polls.flatMap((p) => p.reasons))];
  if (why.length > 0) console.log(`  (a poll fails when the run ends under it; the failures: ${why.join("; ")})`);
  const stale = polls.filter((p) => Math.min(p.distinct.page, p.distinct.stat, p.distinct.file) < MIN_DISTINCT_READINGS).length;
  const lastShort = runs.on.filter((r) => r.lastFileRead !== meta.packets).length;
  if (stale > 0) console.log(`  WARNING: in ${stale} of ${RUNS} "on" runs a reader saw fewer than ${MIN_DISTINCT_READINGS} different readings: the figures did not refresh every second (a run too short: raise PACKETS)`);
  if (lastShort > 0) console.log(`  WARNING: in ${lastShort} runs the stat file's final text did not count all ${meta.packets} packets`);

  const ratios = runs.on.map((r, i) => r.cpu / runs.off[i].cpu);
  const wallRatios = runs.on.map((r, i) => r.wall / runs.off[i].wall);
  const cost = median(ratios) - 1;
  const [lo, hi] = medianInterval(ratios).map((x) => x - 1);
  const cpuMedians = res.on.cpu / res.off.cpu - 1;
  const wallMedians = res.on.wall / res.off.wall - 1;
  const verdict = stale > 0 ? "not shown (the figures did not refresh)"
    : hi <= GOAL_WITHIN ? "met"
    : lo > GOAL_WITHIN ? "MISSED"
    : `not shown (the interval reaches past ${GOAL_WITHIN * 100}%: the machine's noise is larger than what is to be shown; run again on a quiet machine or with more RUNS)`;
  console.log(`  pairs on/off: CPU ${ratios.map((x) => pct(x - 1)).join(" ")}`);
  console.log(`                wall ${wallRatios.map((x) => pct(x - 1)).join(" ")}`);
  console.log(`\n  stats on: CPU ${pct(cost)} (median of the ${RUNS} pairs; 90% interval ${pct(lo)} to ${pct(hi)}; of the medians ${pct(cpuMedians)}), wall ${pct(median(wallRatios) - 1)} (of the medians ${pct(wallMedians)}), peak RSS ${(res.on.rssMB - res.off.rssMB).toFixed(1)} MB`);
  console.log(`  goal: within ${GOAL_WITHIN * 100}% of CPU: ${verdict}`);
  console.log(`  load average before ${loadBefore}, after ${loadAfter}; ${((Date.now() - started) / 1000).toFixed(0)} s`);
  fs.mkdirSync(OUT, { recursive: true });
  fs.writeFileSync(path.join(OUT, "stats.json"), JSON.stringify({
    when: new Date().toISOString(), node: process.version, packets: meta.packets, runs: RUNS, pollMs: POLL_MS, pin: PIN ?? null, loadBefore, loadAfter,
    ...res, polls, cpuRatios: ratios, wallRatios, cost, interval: [lo, hi], verdict,
  }, null, 2));
  return 0;
}

process.exitCode = await main();
