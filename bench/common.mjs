// What the benchmarks share: the uniform capture (made once, kept in bench/out with its
// parameters), a local nfcapd that reports what it received, and medians.

import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { GENERATOR_VERSION, generate, paramsOf } from "./gen.mjs";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const OUT = path.join(ROOT, "bench", "out");
export const UNIFORM = path.join(OUT, "uniform.pcap");
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** The uniform capture, generated unless bench/out holds one of the same parameters (bench/run.mjs's cache). */
export function uniformCapture() {
  return cachedCapture(UNIFORM, { variant: "uniform" });
}

/** A capture of bench/gen.mjs's with these parameters at FILE, generated unless FILE (and its
 * FILE.json) already holds one of the same parameters. */
export function cachedCapture(file, params) {
  try {
    const meta = JSON.parse(fs.readFileSync(`${file}.json`, "utf8"));
    if (meta.generator === GENERATOR_VERSION && JSON.stringify(meta.params) === JSON.stringify(paramsOf(params)) &&
      fs.statSync(file).size === meta.fileBytes) return meta;
  } catch {}
  fs.mkdirSync(path.dirname(file), { recursive: true });
  process.stdout.write(`generating ${path.relative(ROOT, file)} ... `);
  const meta = generate({ ...params, out: file });
  process.stdout.write(`${meta.generateSeconds.toFixed(1)} s\n`);
  return meta;
}

function udpBound(port) {
  const hex = port.toString(16).toUpperCase().padStart(4, "0");
  return fs.readFileSync("/proc/net/udp", "utf8").split("\n").some((l) => l.includes(`0100007F:${hex} `));
}

/** nfcapd on 127.0.0.1:port; the returned stop() gives what it received (its summary lines:
 * one per file it wrote, it rotates every 5 minutes of wall time). */
export async function nfcapd(port) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fp-bench-nfcapd-"));
  const child = spawn("nfcapd", ["-w", dir, "-p", String(port), "-b", "127.0.0.1"], { stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  child.stdout.on("data", (d) => (log += d));
  child.stderr.on("data", (d) => (log += d));
  const closed = new Promise((r) => child.on("close", r));
  for (let i = 0; !udpBound(port); i++) {
    if (i > 300 || child.exitCode !== null) throw new Error(`nfcapd did not bind ${port}: ${log}`);
    await sleep(10);
  }
  return async () => {
    await sleep(300);
    child.kill("SIGTERM");
    await closed;
    fs.rmSync(dir, { recursive: true, force: true });
    const total = (re) => [...log.matchAll(re)].reduce((n, m) => n + Number(m[1]), 0);
    return { flows: total(/Flows: (\d+)/g), packets: total(/Packets: (\d+)/g), seqErrors: total(/Sequence Errors: (\d+)/g) };
  };
}
