// Benchmark: flowprobe against softflowd, nfpcapd (nfdump) and tcpdump on the synthetic
// captures of bench/gen.mjs. `npm run bench` [-- --runs N]
//
// Every tool runs as a whole process, start to exit (flowprobe's Node startup counts), on the
// same file, one after the other, RUNS times each; the run with the least wall time is kept.
// GNU time gives CPU seconds and peak RSS; wall time is taken here with the high-resolution
// clock (GNU time prints only hundredths). tcpdump -w /dev/null is the floor: reading the file.
//
// A missed goal is printed, not an error: this is a measurement. The exit status is non-zero
// only when a tool fails (exit status, signal, timeout) or flowprobe's packet count differs from
// the generator's. Results also go to bench/out/results.json.

import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { GENERATOR_VERSION, generate, paramsOf } from "./gen.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const OUT = path.join(ROOT, "bench", "out");
const FLOWPROBE = path.join(ROOT, "dist", "flowprobe.cjs");
const GNU_TIME = "/usr/bin/time";
const RUN_TIMEOUT_S = 120; // a tool that waits on something (a socket, a terminal) must not hang the bench

const GOALS = { vsSoftflowd: 3, vsTcpdump: 0.7, rssMB: 80 };

const CAPTURES = [
  { name: "uniform", what: "100,000 flows, all open the whole minute", rssGoal: true, params: { variant: "uniform" } },
  { name: "open40k", what: "flows arriving and expiring, ~40,000 open at once", rssGoal: false, params: { variant: "open40k" } },
];

const int = (n) => (n == null ? "-" : n.toLocaleString("en-US"));
const rate = (r) => (r >= 1e6 ? `${(r / 1e6).toFixed(2)} M` : `${(r / 1e3).toFixed(0)} k`);
const firstMatch = (re, text) => {
  const m = re.exec(text);
  return m ? Number(m[1].replace(/,/g, "")) : null;
};

/** Looks in PATH and the sbin directories, which a non-root PATH often lacks (softflowd). */
function which(cmd) {
  const dirs = [...(process.env.PATH ?? "").split(":"), "/usr/sbin", "/sbin", "/usr/local/sbin"];
  for (const d of dirs) {
    const p = path.join(d, cmd);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {}
  }
  return null;
}

function debVersion(pkg) {
  const r = spawnSync("dpkg-query", ["-W", "-f", "${Version}", pkg], { encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : null;
}

/**
 * The tools, in the order they run. `command` gives argv for a capture (and a scratch dir where
 * a tool must write files); `parse` reads the packets and flows a tool reports on exit.
 */
const TOOLS = [
  {
    name: "flowprobe",
    exe: () => (fs.existsSync(FLOWPROBE) ? process.execPath : null),
    missing: "dist/flowprobe.cjs missing: node build.mjs --no-sea",
    version: () => `node ${process.version}`,
    // JSON flows to /dev/null: the output is generated and written, the disk does not count
    command: (exe, file) => [exe, FLOWPROBE, "-r", file, "--seed", "1"],
    stdoutNull: true,
    parse: (text) => ({
      packets: firstMatch(/read ([\d,]+) packets/, text),
      flows: firstMatch(/flows exported ([\d,]+)/, text),
      peakOpen: firstMatch(/peak active flows ([\d,]+)/, text),
    }),
  },
  {
    name: "softflowd",
    exe: () => which("softflowd"),
    missing: "softflowd not installed: apt-get install softflowd",
    version: () => debVersion("softflowd"),
    // -d foreground, -c none no control socket to wait on, -m a table above the flows seen;
    // -v 9 because the default NetFlow v5 cannot carry IPv6, so softflowd would skip 10% of the
    // packets as "non-IP". No -n: the records are still encoded (it reports "exported ... in N
    // packets") but nothing is sent anywhere.
    command: (exe, file) => [exe, "-d", "-c", "none", "-m", "262144", "-v", "9", "-r", file],
    parse: (text) => ({
      packets: firstMatch(/Packets processed: (\d+)/, text),
      flows: firstMatch(/Flows expired: (\d+)/, text),
    }),
  },
  {
    name: "nfpcapd",
    exe: () => which("nfpcapd"),
    missing: "nfpcapd not installed: apt-get install nfdump",
    version: () => debVersion("nfdump"),
    // writes nfcapd files into a scratch dir (part of its work), deleted after each run
    command: (exe, file, scratch) => [exe, "-r", file, "-w", scratch],
    needsScratch: true,
    parse: (text) => ({
      packets: firstMatch(/Flows: \d+, Packets: (\d+)/, text),
      flows: firstMatch(/Flows: (\d+), Packets/, text),
    }),
  },
  {
    name: "tcpdump",
    exe: () => which("tcpdump"),
    missing: "tcpdump not installed: apt-get install tcpdump",
    version: () => debVersion("tcpdump"),
    command: (exe, file) => [exe, "-r", file, "-w", "/dev/null"],
    parse: () => ({ packets: null, flows: null }),
  },
];

function machine() {
  const cpuinfo = fs.readFileSync("/proc/cpuinfo", "utf8");
  return {
    cpu: /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? os.cpus()[0]?.model ?? "unknown",
    cores: os.availableParallelism(),
    memoryGiB: Number((os.totalmem() / 2 ** 30).toFixed(1)),
    kernel: os.release(),
    node: process.version,
  };
}

/** Generates the capture unless bench/out holds one made from the same parameters. */
function capture(c) {
  const file = path.join(OUT, `${c.name}.pcap`);
  try {
    const meta = JSON.parse(fs.readFileSync(`${file}.json`, "utf8"));
    const same = meta.generator === GENERATOR_VERSION && JSON.stringify(meta.params) === JSON.stringify(paramsOf(c.params));
    if (same && fs.statSync(file).size === meta.fileBytes) {
      return { ...meta, file };
    }
  } catch {}
  process.stdout.write(`generating ${path.relative(ROOT, file)} ... `);
  const meta = generate({ ...c.params, out: file });
  process.stdout.write(`${meta.generateSeconds.toFixed(1)} s\n`);
  return { ...meta, file };
}

/**
 * The environment every tool runs in: this one, less what only makes a Node process slower
 * to start without being flowprobe's doing. NODE_EXTRA_CA_CERTS (set on these sandbox
 * machines to the system CA bundle) makes Node parse every certificate in it before the
 * first line of any script: about 33 ms here, a sixth of flowprobe's whole run. flowprobe
 * makes no TLS connection and a router has no such variable; the bench prints both figures.
 */
const STARTUP_ONLY_VARS = ["NODE_EXTRA_CA_CERTS", "NODE_OPTIONS"];
const TOOL_ENV = Object.fromEntries(Object.entries(process.env).filter(([k]) => !STARTUP_ONLY_VARS.includes(k)));

/** Best-of-N wall seconds of `node -e 0` with and without the startup-only variables. */
function nodeStartup(runs) {
  const best = (env) => {
    let min = Infinity;
    for (let i = 0; i < Math.max(runs, 5); i++) {
      const t0 = process.hrtime.bigint();
      spawnSync(process.execPath, ["-e", "0"], { env, stdio: "ignore" });
      min = Math.min(min, Number(process.hrtime.bigint() - t0) / 1e9);
    }
    return min;
  };
  return { clean: best(TOOL_ENV), inherited: best(process.env) };
}

/** Reads the file once so that no tool, the first in particular, pays for the disk. */
function warm(file) {
  const fd = fs.openSync(file, "r");
  const buf = Buffer.allocUnsafe(8 << 20);
  while (fs.readSync(fd, buf, 0, buf.length, null) > 0);
  fs.closeSync(fd);
}

/** One run of one tool: wall (here), CPU and peak RSS (GNU time), and its report. */
function runOnce(tool, exe, file) {
  const scratch = tool.needsScratch ? fs.mkdtempSync(path.join(OUT, `${tool.name}-`)) : null;
  const timeFile = path.join(OUT, `.time-${process.pid}`);
  try {
    // timeout signals its whole process group, so a hung tool dies with GNU time
    const argv = ["-k", "5", String(RUN_TIMEOUT_S), GNU_TIME, "-o", timeFile, "-f", "BENCH %U %S %M", ...tool.command(exe, file, scratch)];
    const t0 = process.hrtime.bigint();
    const r = spawnSync("timeout", argv, {
      cwd: ROOT,
      env: TOOL_ENV,
      stdio: ["ignore", tool.stdoutNull ? "ignore" : "pipe", "pipe"],
      encoding: "utf8",
      maxBuffer: 64 << 20,
    });
    const wall = Number(process.hrtime.bigint() - t0) / 1e9;
    const text = `${r.stdout ?? ""}${r.stderr ?? ""}`;
    const timing = fs.existsSync(timeFile) ? /BENCH ([\d.]+) ([\d.]+) (\d+)/.exec(fs.readFileSync(timeFile, "utf8")) : null;
    let failure = null;
    if (r.error) failure = r.error.message;
    else if (r.status === 124) failure = `no exit within ${RUN_TIMEOUT_S} s`;
    else if (r.status !== 0 || r.signal) failure = `exit status ${r.status ?? r.signal}`;
    else if (!timing) failure = "GNU time wrote no measurement";
    if (failure) return { failure, output: text.trim().split("\n").slice(-5).join("\n") };
    return {
      wall,
      cpu: Number(timing[1]) + Number(timing[2]),
      rssMB: (Number(timing[3]) * 1024) / 1e6, // GNU time reports KiB; the goal is in MB
      ...tool.parse(text),
    };
  } finally {
    fs.rmSync(timeFile, { force: true });
    if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
  }
}

function parseArgs(argv) {
  let runs = 3;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--runs" && /^[1-9]\d*$/.test(argv[i + 1] ?? "")) runs = Number(argv[++i]);
    else throw new Error(`usage: node bench/run.mjs [--runs N] (at ${argv[i]})`);
  }
  return { runs };
}

function main() {
  const { runs } = parseArgs(process.argv.slice(2));
  if (!fs.existsSync(GNU_TIME)) {
    console.error("GNU time not installed (it measures CPU time and peak RSS): apt-get install time");
    return 1;
  }
  if (!which("timeout")) {
    console.error("timeout not found: apt-get install coreutils");
    return 1;
  }
  fs.mkdirSync(OUT, { recursive: true });

  const m = machine();
  console.log(`machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Linux ${m.kernel}, node ${m.node}`);
  const tools = [];
  for (const t of TOOLS) {
    const exe = t.exe();
    if (exe) tools.push({ ...t, exe, ver: t.version() });
    else console.log(`  ${t.missing} — not measured`);
  }
  console.log(`tools: ${tools.map((t) => `${t.name} ${t.ver ?? ""}`.trim()).join(", ")}; best of ${runs} runs each`);
  if (!tools.some((t) => t.name === "flowprobe")) return 1;
  const startup = nodeStartup(runs);
  const dropped = STARTUP_ONLY_VARS.filter((k) => k in process.env);
  console.log(`node startup (node -e 0): ${(startup.clean * 1000).toFixed(0)} ms` +
    (dropped.length ? `; tools run without ${dropped.join(", ")} (with: ${(startup.inherited * 1000).toFixed(0)} ms)` : "") + "\n");

  let failed = false;
  const results = { date: new Date().toISOString(), machine: m, runs, goals: GOALS, nodeStartupS: startup, envDropped: dropped, tools: Object.fromEntries(tools.map((t) => [t.name, t.ver])), captures: [] };

  for (const c of CAPTURES) {
    const meta = capture(c);
    warm(meta.file);
    console.log(`${c.name}: ${c.what}`);
    console.log(`  ${path.relative(ROOT, meta.file)}: ${int(meta.packets)} packets, ${(meta.fileBytes / 1e6).toFixed(0)} MB, ${meta.captureSeconds} s of traffic; ` +
      `${int(meta.distinctFiveTuples)} distinct 5-tuples (${int(meta.ipv6Flows)} IPv6), ` +
      `${int(meta.flowRecordsAt15s)} flow records and ${int(meta.peakOpenAt15s)} open at most at a 15 s inactive timeout`);

    const best = {};
    for (const t of tools) {
      const all = [];
      for (let i = 0; i < runs; i++) {
        const r = runOnce(t, t.exe, meta.file);
        if (r.failure) {
          console.log(`  ${t.name} FAILED: ${r.failure}${r.output ? `\n    ${r.output.replace(/\n/g, "\n    ")}` : ""}`);
          failed = true;
          break;
        }
        all.push(r);
      }
      if (all.length === runs) {
        best[t.name] = { ...all.reduce((a, b) => (b.wall < a.wall ? b : a)), pps: 0, walls: all.map((r) => r.wall) };
        best[t.name].pps = meta.packets / best[t.name].wall;
      }
    }

    const fp = best.flowprobe;
    console.log("");
    console.log("  tool        wall s   CPU s   peak RSS MB   packets/s   flowprobe ×   packets read   flows reported");
    for (const t of tools) {
      const b = best[t.name];
      if (!b) continue;
      const ratio = fp && t.name !== "flowprobe" ? `${(fp.pps / b.pps).toFixed(2)}` : "";
      console.log(`  ${t.name.padEnd(10)} ${b.wall.toFixed(3).padStart(7)} ${b.cpu.toFixed(2).padStart(7)} ${b.rssMB.toFixed(1).padStart(13)} ${rate(b.pps).padStart(11)} ${ratio.padStart(13)} ${int(b.packets).padStart(14)} ${int(b.flows).padStart(16)}`);
    }
    console.log("  (flowprobe × = flowprobe's packets/s over the tool's; flows reported differ by design:");
    console.log("   flowprobe 15 s inactive timeout; softflowd 300 s UDP / 3600 s TCP timeouts; nfpcapd one flow per ICMP packet and per DNS packet)");

    const capRes = { name: c.name, what: c.what, meta, results: best, goals: {} };
    if (fp) {
      if (fp.packets !== meta.packets) {
        console.log(`  ERROR: flowprobe read ${int(fp.packets)} packets, the file has ${int(meta.packets)}`);
        failed = true;
      }
      if (fp.flows !== meta.flowRecordsAt15s) console.log(`  note: flowprobe exported ${int(fp.flows)} flows, the generator expects ${int(meta.flowRecordsAt15s)}`);
      for (const t of tools) {
        const b = best[t.name];
        if (t.name !== "flowprobe" && b && b.packets != null && b.packets !== meta.packets) console.log(`  note: ${t.name} reports ${int(b.packets)} packets of ${int(meta.packets)}`);
      }
      const goal = (key, text, value, target, met) => {
        capRes.goals[key] = { value, target, met };
        console.log(`  goal ${met === null ? "[not measured]" : met ? "[met]   " : "[MISSED]"} ${text}`);
      };
      for (const [peer, key, target] of [["softflowd", "vsSoftflowd", GOALS.vsSoftflowd], ["tcpdump", "vsTcpdump", GOALS.vsTcpdump]]) {
        const v = best[peer] ? fp.pps / best[peer].pps : null;
        goal(key, `packets/s ≥ ${target}× ${peer}: ${v === null ? `${peer} not measured` : `${v.toFixed(2)}×`}`, v, target, v === null ? null : v >= target);
      }
      if (c.rssGoal) goal("rssMB", `peak RSS ≤ ${GOALS.rssMB} MB: ${fp.rssMB.toFixed(1)} MB`, fp.rssMB, GOALS.rssMB, fp.rssMB <= GOALS.rssMB);
    }
    results.captures.push(capRes);
    console.log("");
  }

  fs.writeFileSync(path.join(OUT, "results.json"), JSON.stringify(results, null, 2) + "\n");
  console.log(`results: ${path.relative(ROOT, path.join(OUT, "results.json"))}`);
  return failed ? 1 : 0;
}

try {
  process.exitCode = main();
} catch (e) {
  console.error(`bench: ${e.message}`);
  process.exitCode = 2;
}
