// Room config/: the option schema (schema.ts: type, unit, default, range and help of every option,
// once; defaults.ts), the command line made from it (argv.ts, options.ts), --help, the shim's
// arguments, formats and collectors. Imports nothing of the meter, the targets or the sources.
//
// The command line's own scanner, made from the option schema: `--name value`,
// `--name=value`, `-x value` and `-xvalue`, with a "did you mean" for a mistyped option.

import { UsageError } from "../errors";
import { OPTIONS, type OptionSpec } from "./schema";

/** Edit distance (insertions, deletions, substitutions, swaps of neighbours): how close a typo is to an option. */
export function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/** " (did you mean --x?)" for the known option nearest a mistyped one, or "" when none is near. */
function suggestion(name: string): string {
  if (name.length > 64) return ""; // (near no option, and the distance would cost a row per character)
  let best: string | undefined;
  let bestD = Infinity;
  for (const s of OPTIONS) {
    const dist = s.name.startsWith(name) && name.length >= 3 ? 0.5 : distance(name, s.name);
    if (dist < bestD) {
      bestD = dist;
      best = s.name;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(name.length / 4)) ? ` (did you mean --${best}?)` : "";
}

/**
 * The command line as option name → value (true for a switch). A value may begin with "-"
 * only when it is "-" (standard input) or a number (which then gets its range error); anything
 * else after an option that needs a value is taken for a forgotten value. An option given
 * twice is refused: which one was meant is not for flowprobe to guess.
 */
export function scan(argv: string[]): Map<string, string | true> {
  const byName = new Map(OPTIONS.map((s) => [s.name, s]));
  const byShort = new Map(OPTIONS.filter((s) => s.short).map((s) => [s.short!, s]));
  const values = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    let spec: OptionSpec | undefined;
    let inline: string | undefined;
    let written: string;
    if (a.startsWith("--") && a.length > 2) {
      const eq = a.indexOf("=");
      const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
      if (eq >= 0) inline = a.slice(eq + 1);
      spec = byName.get(name);
      written = `--${name}`;
      if (!spec) throw new UsageError(`unknown option --${name}${suggestion(name)}; see flowprobe --help`);
    } else if (a.startsWith("-") && a.length > 1 && a !== "--") {
      spec = byShort.get(a[1]!);
      written = a.slice(0, 2);
      if (!spec) throw new UsageError(`unknown option ${a}; see flowprobe --help`);
      if (a.length > 2) {
        if (spec.type === "boolean") throw new UsageError(`unknown option ${a}; see flowprobe --help`);
        inline = a.slice(2);
        if (inline.startsWith("=")) throw new UsageError(`${a}: write ${written} VALUE or --${spec.name}=VALUE`);
      }
    } else {
      throw new UsageError(`unexpected argument ${JSON.stringify(a)}: options start with -- (see flowprobe --help)`);
    }
    if (values.has(spec.name)) throw new UsageError(`--${spec.name} is given twice: give it once${spec.type !== "boolean" ? " (lists are comma-separated)" : ""}`);
    if (spec.type === "boolean") {
      if (inline !== undefined) throw new UsageError(`${written} takes no value (it is a switch)`);
      values.set(spec.name, true);
      continue;
    }
    let value = inline;
    if (value === "") throw new UsageError(`${written} needs a value (${spec.arg}), not an empty one`);
    if (value === undefined) {
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith("-") && next !== "-" && !/^-\d/.test(next))) {
        throw new UsageError(`${written} needs a value (${spec.arg})${next === undefined ? "" : `; ${next} is an option`}`);
      }
      value = next;
      i++;
    }
    values.set(spec.name, value);
  }
  return values;
}

/** A whole number within the option's range; a negative number gets its range, not a complaint about dashes. */
export function integer(spec: OptionSpec, v: string): number {
  const [min, max] = spec.range!;
  if (/^-\d+$/.test(v)) throw new UsageError(`--${spec.name} ${v}: out of range, expected ${min} to ${max}`);
  if (!/^\d+$/.test(v)) throw new UsageError(`--${spec.name} ${JSON.stringify(v)}: expected a whole number from ${min} to ${max}`);
  const n = Number(v);
  if (n < min || n > max) throw new UsageError(`--${spec.name} ${v}: out of range, expected ${min} to ${max}`);
  return n;
}
