// Export benchmark: end to end, capture file → flows → IPFIX → a local nfcapd, for flowprobe
// (paced at its default rate, and unpaced) and for softflowd (`-v 10 -n 127.0.0.1:PORT`)
// into the same kind of collector, one after the other. Whole process, best of RUNS, wall
// time; packets/s over the file's packets, export datagrams/s and records/s over the wall
// time; what the collector received, so a fast run that lost datagrams shows as such.
// `npm run bench` runs it after bench/run.mjs, whose synthetic capture it reuses.

import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { ROOT, UNIFORM, nfcapd } from "./common.mjs";

const FILE = UNIFORM;
const META = `${FILE}.json`;
const FLOWPROBE = path.join(ROOT, "dist", "flowprobe.cjs");
const RUNS = Number(process.env.RUNS ?? 2);
// the same reason as bench/run.mjs: Node's startup cost of parsing a CA bundle is not flowprobe's
const ENV = Object.fromEntries(Object.entries(process.env).filter(([k]) => !["NODE_EXTRA_CA_CERTS", "NODE_OPTIONS"].includes(k)));
const GOAL_VS_SOFTFLOWD = 2;

const num = (re, text) => {
  const m = re.exec(text);
  return m ? Number(m[1].replace(/,/g, "")) : null;
};

function which(cmd) {
  for (const d of [...(process.env.PATH ?? "").split(":"), "/usr/sbin", "/sbin"]) {
    const p = path.join(d, cmd);
    if (fs.existsSync(p)) return p;
  }
  return null;
}

async function measure(label, argv, port) {
  let best = null;
  for (let i = 0; i < RUNS; i++) {
    const stop = await nfcapd(port);
    const t0 = process.hrtime.bigint();
    const r = spawnSync(argv[0], argv.slice(1), { env: ENV, encoding: "utf8", maxBuffer: 64 << 20 });
    const wall = Number(process.hrtime.bigint() - t0) / 1e9;
    const collector = await stop();
    if (r.status !== 0) throw new Error(`${label} failed (${r.status}): ${(r.stderr || r.stdout).slice(-400)}`);
    const text = `${r.stdout}${r.stderr}`;
    const run = {
      wall,
      datagrams: num(/datagrams ([\d,]+) = sent/, text) ?? num(/in (\d+) packets/, text),
      records: num(/flows exported ([\d,]+)/, text) ?? num(/Flows exported: (\d+)/, text),
      collector,
    };
    if (!best || run.wall < best.wall) best = run;
  }
  return best;
}

async function main() {
  if (!fs.existsSync(FILE) || !fs.existsSync(META)) {
    console.error("bench/export: run bench/run.mjs first (it generates bench/out/uniform.pcap)");
    return 1;
  }
  if (!which("nfcapd")) {
    console.error("bench/export: nfcapd not installed: apt-get install nfdump");
    return 1;
  }
  const meta = JSON.parse(fs.readFileSync(META, "utf8"));
  const port = 24000 + (process.pid % 8000);
  console.log(`export end to end: ${path.relative(ROOT, FILE)} (${meta.packets.toLocaleString("en-US")} packets) → IPFIX → nfcapd on 127.0.0.1:${port}; best of ${RUNS}`);
  const rows = [];
  for (const rate of (process.env.RATES ?? "").split(",").filter(Boolean)) {
    rows.push(["flowprobe", `paced ${rate}/s`, await measure("flowprobe", [process.execPath, FLOWPROBE, "-r", FILE, "--seed", "1", "-d", `127.0.0.1:${port}`, "--export-rate", rate], port)]);
  }
  rows.push(["flowprobe", "paced (default 5,000/s)", await measure("flowprobe", [process.execPath, FLOWPROBE, "-r", FILE, "--seed", "1", "-d", `127.0.0.1:${port}`], port)]);
  rows.push(["flowprobe", "unpaced", await measure("flowprobe", [process.execPath, FLOWPROBE, "-r", FILE, "--seed", "1", "-d", `127.0.0.1:${port}`, "--export-rate", "0"], port)]);
  const softflowd = which("softflowd");
  if (softflowd) rows.push(["softflowd", "-v 10 -n", await measure("softflowd", [softflowd, "-d", "-c", "none", "-m", "262144", "-r", FILE, "-v", "10", "-n", `127.0.0.1:${port}`], port)]);
  else console.log("  softflowd not installed: apt-get install softflowd — not measured");

  console.log("\n  tool        mode                       wall s   packets/s   datagrams/s   records/s   collector got: flows / packets   seq errors*");
  for (const [tool, mode, r] of rows) {
    const c = r.collector;
    console.log(`  ${tool.padEnd(10)}  ${mode.padEnd(24)} ${r.wall.toFixed(3).padStart(7)} ${(meta.packets / r.wall / 1e6).toFixed(2).padStart(9)} M ${Math.round((r.datagrams ?? 0) / r.wall).toLocaleString("en-US").padStart(13)} ${Math.round((r.records ?? 0) / r.wall).toLocaleString("en-US").padStart(11)}   ${String(c.flows).padStart(13)} / ${String(c.packets).padStart(9)}   ${c.seqErrors}`);
  }
  console.log("  * nfdump's count. It advances its expected IPFIX sequence by flow records only, so each flowprobe message that");
  console.log("    carried the options records (every 20th, and the last) adds one; the collector's packet count shows real loss.");
  const sf = rows.find(([t]) => t === "softflowd");
  if (sf) {
    for (const [, mode, r] of rows.filter(([t]) => t === "flowprobe")) {
      const ratio = sf[2].wall / r.wall;
      console.log(`  goal ${ratio >= GOAL_VS_SOFTFLOWD ? "[met]   " : "[MISSED]"} flowprobe ${mode} ≥ ${GOAL_VS_SOFTFLOWD}× softflowd's packets/s end to end: ${ratio.toFixed(2)}×`);
    }
  }
  const lost = rows.filter(([t, , r]) => t === "flowprobe" && r.collector.packets !== meta.packets);
  for (const [, mode, r] of lost) console.log(`  note: flowprobe ${mode}: the collector counted ${r.collector.packets} packets of ${meta.packets}`);
  fs.writeFileSync(path.join(ROOT, "bench", "out", "export-results.json"), JSON.stringify({ date: new Date().toISOString(), file: FILE, packets: meta.packets, rows }, null, 2) + "\n");
  return 0;
}

main().then((code) => (process.exitCode = code), (e) => {
  console.error(`bench/export: ${e.message}`);
  process.exitCode = 2;
});
