// Benchmark of --metrics (issue 13): the offline run of bench/run.mjs (bench/out/uniform.pcap,
// 2,000,000 packets of 100,000 flows, JSON lines to /dev/null) without --metrics, and with
// --metrics on loopback while this process scrapes the page every SCRAPE_MS (default 1000,
// after a first scrape as soon as it listens; Prometheus scrapes every 15 s or so, and the
// registry is read once a second, so a faster scrape gets the same page again, written once).
// Every run is a whole process (Node's startup and the server's listen count), RUNS times
// each (default 11), interleaved (the machine is shared: a busy moment hits both alike); the
// median wall time and CPU, and GNU time's peak RSS. Goal (issue 13, "Benchmark"): with
// metrics within 3% of without. A missed goal is printed, not an error.
//
// `node bench/metrics.mjs` after `npm run build:core`; `npm run bench` runs it.

import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { ROOT, OUT, UNIFORM, median, uniformCapture } from "./common.mjs";

const FILE = UNIFORM;
const FLOWPROBE = path.join(ROOT, "dist", "flowprobe.cjs");
const GNU_TIME = "/usr/bin/time";
const RUNS = Number(process.env.RUNS ?? 11);
const SCRAPE_MS = Number(process.env.SCRAPE_MS ?? 1000);
const GOAL_WITHIN = 0.03;
// as bench/run.mjs: Node's startup cost of parsing a CA bundle is not flowprobe's
const ENV = Object.fromEntries(Object.entries(process.env).filter(([k]) => !["NODE_EXTRA_CA_CERTS", "NODE_OPTIONS"].includes(k)));



/** One whole-process run: wall (here), CPU and peak RSS (GNU time); with a port, scraped while it runs. */
async function runOnce(argv, port) {
  const timeFile = path.join(OUT, `.time-metrics-${process.pid}`);
  const t0 = process.hrtime.bigint();
  const child = spawn(GNU_TIME, ["-o", timeFile, "-f", "BENCH %U %S %M", ...argv], { env: ENV, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  let scrapes = 0;
  let lastPage = "";
  // scraped as soon as it listens (tried every 20 ms until then), then every SCRAPE_MS
  let scraper;
  const scrape = () => fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text()).then((t) => { scrapes++; lastPage = t; return true; }, () => false);
  let trying = false; // (one try at a time: a slow first answer is not asked again meanwhile)
  const first = port ? setInterval(() => !trying && scraper === undefined && (trying = true) && scrape().then((ok) => {
    trying = false;
    if (ok && scraper === undefined) {
      clearInterval(first);
      scraper = setInterval(scrape, SCRAPE_MS);
    }
  }), 20) : undefined;
  const code = await new Promise((r) => child.on("close", r));
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  clearInterval(first);
  clearInterval(scraper);
  try {
    if (code !== 0) throw new Error(`flowprobe failed (${code}): ${stderr.slice(-600)}`);
    const t = /BENCH ([\d.]+) ([\d.]+) (\d+)/.exec(fs.readFileSync(timeFile, "utf8"));
    return { wall, cpu: Number(t[1]) + Number(t[2]), rssMB: (Number(t[3]) * 1024) / 1e6, stderr, scrapes, lastPage };
  } finally {
    fs.rmSync(timeFile, { force: true });
  }
}

async function main() {
  if (!fs.existsSync(GNU_TIME)) {
    console.error("bench/metrics: /usr/bin/time not installed: apt-get install time");
    return 1;
  }
  if (!fs.existsSync(FLOWPROBE)) {
    console.error("bench/metrics: dist/flowprobe.cjs missing: npm run build:core");
    return 1;
  }
  const meta = uniformCapture();
  const port = 26000 + (process.pid % 6000);
  const ROWS = [
    { key: "off", label: "flowprobe -r (JSON), no --metrics", argv: [process.execPath, FLOWPROBE, "-r", FILE, "--seed", "1"] },
    { key: "on", label: `the same, --metrics scraped every ${SCRAPE_MS} ms`, argv: [process.execPath, FLOWPROBE, "-r", FILE, "--seed", "1", "--metrics", String(port)], port },
  ];
  console.log(`metrics: ${path.relative(ROOT, FILE)} (${meta.packets.toLocaleString("en-US")} packets); ${RUNS} runs each, interleaved, median`);
  fs.readFileSync(FILE); // (the file into the page cache)
  const runs = { off: [], on: [] };
  for (let i = 0; i < RUNS; i++) for (const row of ROWS) runs[row.key].push(await runOnce(row.argv, row.port));
  const res = {};
  console.log("\n  run                                              median wall s   (min-max)        CPU s   peak RSS MB   packets/s   scrapes");
  for (const row of ROWS) {
    const rs = runs[row.key];
    const w = rs.map((r) => r.wall);
    const r = res[row.key] = { wall: median(w), walls: w, cpu: median(rs.map((x) => x.cpu)), rssMB: median(rs.map((x) => x.rssMB)), scrapes: rs.map((x) => x.scrapes) };
    r.pps = meta.packets / r.wall;
    console.log(`  ${row.label.padEnd(48)} ${r.wall.toFixed(3).padStart(9)}   (${Math.min(...w).toFixed(3)}-${Math.max(...w).toFixed(3)})   ${r.cpu.toFixed(2).padStart(6)} ${r.rssMB.toFixed(1).padStart(13)} ${(r.pps / 1e6).toFixed(2).padStart(9)} M   ${row.port ? r.scrapes.join(",") : "-"}`);
  }
  const wallCost = res.on.wall / res.off.wall - 1;
  const cpuCost = res.on.cpu / res.off.cpu - 1;
  const verdict = Math.abs(wallCost) <= GOAL_WITHIN ? "met" : "MISSED";
  console.log(`\n  --metrics: wall ${(wallCost * 100).toFixed(1)}%, CPU ${(cpuCost * 100).toFixed(1)}%, peak RSS ${(res.on.rssMB - res.off.rssMB).toFixed(1)} MB; goal within ${GOAL_WITHIN * 100}%: ${verdict}`);
  // a scrape that got a page saw the run's packets (the page is no empty shell)
  const seen = runs.on.map((r) => /flowprobe_packets_read_total (\d+)/.exec(r.lastPage)?.[1]).filter(Boolean);
  if (seen.length > 0) console.log(`  last page scraped in each run: packets read ${seen.map(Number).map((n) => n.toLocaleString("en-US")).join(", ")} of ${meta.packets.toLocaleString("en-US")}`);
  fs.mkdirSync(OUT, { recursive: true });
  fs.writeFileSync(path.join(OUT, "metrics.json"), JSON.stringify({ when: new Date().toISOString(), node: process.version, packets: meta.packets, runs: RUNS, scrapeMs: SCRAPE_MS, ...res, wallCost, cpuCost }, null, 2));
  return 0;
}

process.exitCode = await main();
