// Live reload (SIGHUP with --config): what a new reading of the config file changes. The app
// (app.ts) does the changes; this file only compares, so the rules are read in one place:
//
// - targets are matched by name: one whose settings (every value of config/targets.ts's
//   TargetOptions: selector, fields, aggregation, timeouts, cache, format, collectors and
//   mode, export settings) are all equal is kept as it runs; any difference — its collector
//   list too — is a change; a name no longer there is removed, a new one added;
// - the capture's own settings (CAPTURE_KEYS) are not changed by a reload: a new capture
//   would have to stop the old one, and packets in the kernel's ring at that moment would be
//   lost or, with two captures side by side for a moment, counted twice. A change of them is
//   named in the log as needing a restart, and the capture goes on as it started.

import type { Options } from "./config/options";
import type { TargetOptions } from "./config/targets";

/** The options a running capture (or a file being read) was started with; a reload leaves them. */
export const CAPTURE_KEYS = [
  "read", "interfaces", "promisc", "snaplen", "direction", "filter", "ifindexMap", "lan", "wan",
  "user", "captureHelper", "ringMiB", "blockTimeoutMs", "capture",
] as const satisfies ReadonlyArray<keyof Options>;

/** The file's key of each (schema.ts names the options; the file writes them in snake_case). */
const FILE_KEY: Record<(typeof CAPTURE_KEYS)[number], string> = {
  read: "read", interfaces: "interfaces", promisc: "promisc", snaplen: "snaplen", direction: "direction", filter: "filter",
  ifindexMap: "ifindex_map", lan: "lan", wan: "wan", user: "user", captureHelper: "capture_helper", ringMiB: "ring_size",
  blockTimeoutMs: "block_timeout", capture: "capture",
};

function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (x instanceof Map ? [...x.entries()] : typeof x === "bigint" ? String(x) : x)) ?? "undefined";
}

/** The capture settings `next` would change, by the config file's key. */
export function captureChanges(now: Options, next: Options): string[] {
  return CAPTURE_KEYS.filter((k) => canonical(now[k]) !== canonical(next[k])).map((k) => FILE_KEY[k]);
}

/** Whether a target's settings are the same (then it keeps running untouched). */
export function sameTarget(a: TargetOptions, b: TargetOptions): boolean {
  return canonical(a) === canonical(b);
}

export interface TargetDiff {
  kept: TargetOptions[];
  changed: TargetOptions[];
  removed: string[];
  added: TargetOptions[];
}

/** Old and new targets by name (each list in the new file's order; removed in the old order). */
export function diffTargets(now: readonly TargetOptions[], next: readonly TargetOptions[]): TargetDiff {
  const before = new Map(now.map((t) => [t.name, t]));
  const after = new Set(next.map((t) => t.name));
  const d: TargetDiff = { kept: [], changed: [], removed: now.filter((t) => !after.has(t.name)).map((t) => t.name), added: [] };
  for (const t of next) {
    const was = before.get(t.name);
    if (!was) d.added.push(t);
    else if (sameTarget(was, t)) d.kept.push(t);
    else d.changed.push(t);
  }
  return d;
}
