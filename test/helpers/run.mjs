// Shared test helpers: run the built command, read its JSON lines, canonical addresses.
import { spawnSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
export const fixtures = path.join(root, "test", "fixtures");
export const cli = path.join(root, "dist", "flowprobe.cjs");

/** Runs `node dist/flowprobe.cjs ...args`; returns status, stdout and stderr as text. */
export function flowprobe(args, opts = {}) {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: "utf8", maxBuffer: 1 << 30, ...opts });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Parses JSON lines, keeping every integer exact (times exceed 2^53). */
export function parseFlows(text) {
  return text.split("\n").filter(Boolean).map((line) => {
    // every bare integer becomes a BigInt: quote it before parsing, convert after
    const o = JSON.parse(line.replace(/:(-?\d+)(?=[,}])/g, ':"#$1"'));
    for (const k of Object.keys(o)) if (typeof o[k] === "string" && o[k].startsWith("#")) o[k] = BigInt(o[k].slice(1));
    return o;
  });
}

/** RFC 5952-style canonical text for comparing addresses printed by different tools. */
export function canon(addr) {
  return addr.includes(":") ? new URL(`http://[${addr}]`).hostname.slice(1, -1) : addr;
}

export const key = (src, dst, proto, sport, dport) => `${canon(src)}|${canon(dst)}|${proto}|${sport}|${dport}`;

/** The captures in test/fixtures/pcaps that have an oracle, with it. */
export function oracleCaptures() {
  const dir = path.join(fixtures, "pcaps");
  return readdirSync(dir).filter((f) => f.endsWith(".oracle.json")).sort().map((f) => ({
    file: path.join(dir, f.replace(/\.oracle\.json$/, "")),
    name: f.replace(/\.oracle\.json$/, ""),
    oracle: JSON.parse(readFileSync(path.join(dir, f), "utf8")),
  }));
}

/** Decimal epoch seconds ("1213957271.995619000") → ns as BigInt. */
export function secondsToNs(s) {
  const [i, f = ""] = s.split(".");
  return BigInt(i) * 1000000000n + BigInt((f + "000000000").slice(0, 9));
}
