// The JSON config file (--config FILE, docs/config.md), read and checked for shape: every key
// known, every value of its type and range, each message naming the file, the key path and
// what would be right. Global keys are the options of the schema (schema.ts) under their long
// names in snake_case, mapped mechanically, and come back as the command line would give them
// (option name → text), so the same code (options.ts) makes the config object from either;
// "targets" come back as FileTargets, whose meaning (defaults, protocols, collectors)
// targets.ts gives them.

import * as fs from "node:fs";
import { FlowprobeError, UsageError, clipped, quoted } from "../errors";
import { distance } from "./argv";
import { DESTINATION_MODES, collectorId, parseCollectors, type Collector, type DestinationMode } from "./collectors";
import { JsonSyntaxError, kindOf, parseJson, type JsonObject, type JsonValue } from "./json";
import { OPTIONS, fileKey, optionNamed, type OptionSpec } from "./schema";
import { checkCounters, type CounterOptions } from "./counters";

/** A target as the file gives it: each key checked for its type and range; absent = not given. */
export interface FileTarget {
  /** "targets[1]": where it is, for messages. */
  readonly path: string;
  readonly name: string | undefined;
  readonly protocol: 5 | 9 | 10 | "json" | undefined;
  readonly select: string | undefined;
  readonly fields: string[] | undefined;
  readonly aggregation: string[] | undefined;
  readonly mode: DestinationMode | undefined;
  /** The collectors, each checked as HOST:PORT; [] is refused here (an empty list). */
  readonly destinations: Collector[] | undefined;
  /** Integer and boolean keys by option name (maxflows, mtu, engine-id, active-timeout from
   * timeouts.active, …): the value, within the option's range. */
  readonly options: ReadonlyMap<string, number | boolean>;
}

export interface ConfigFile {
  /** The file as the command line named it (messages begin with it). */
  readonly file: string;
  /** The global keys as the command line would give them: option name → its text, or true for a switch that is on. */
  readonly globals: ReadonlyMap<string, string | true>;
  /** The targets, or undefined when the file has no "targets" (one target, from the options, as without a file). */
  readonly targets: readonly FileTarget[] | undefined;
  /** The named counters ("counters": { "NAME": "SELECTOR" }), in the file's order; undefined when the file has none. */
  readonly counters: readonly CounterOptions[] | undefined;
}

/** Options whose command-line value is a comma-separated list: a list or a string in the file
 * (fields and aggregation as a target's keys take: a list). */
const LIST_OPTIONS = new Set(["interfaces", "lan", "wan", "destination", "ifindex-map", "fields", "aggregation"]);

/** The largest config file read: a real one is a few KiB; past this it is not a config file. */
export const CONFIG_BYTES_MAX = 16 << 20;

/** The keys of a target: what each holds. Integer and boolean keys are options of the
 * schema under the same snake_case name, with its range (the file's and the command line's
 * are one schema); `timeouts` holds three of them. */
const TARGET_KEYS = ["name", "source", "protocol", "select", "fields", "aggregation", "timeouts", "maxflows", "hashsize", "destinations", "mode",
  "mtu", "engine_id", "refresh_rate", "timeout_rate", "export_rate", "sndbuf", "mac", "flood_pps", "flood_new_flows"] as const;
/** The keys of a target's "timeouts" and the options they stand for. */
const TIMEOUT_KEYS = new Map([["active", "active-timeout"], ["inactive", "inactive-timeout"], ["tcp_end", "tcp-end-timeout"]]);
/** Global keys: every option the file may give. */
const GLOBAL_SPECS = new Map(OPTIONS.filter((s) => !s.cliOnly).map((s) => [fileKey(s), s]));
const GLOBAL_KEYS = [...GLOBAL_SPECS.keys(), "targets", "counters"];

/** " (did you mean x?)" for the known key nearest a mistyped one, or "". */
function didYouMean(key: string, known: readonly string[]): string {
  if (key.length > 64) return ""; // (no key is near it, and the distance would cost key.length rows)
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of known) {
    const d = distance(key.toLowerCase(), k);
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(key.length / 4)) ? ` (did you mean ${best}?)` : "";
}

/** Reads and checks the config file; throws UsageError (exit 2) naming the file and the key. */
export function readConfigFile(file: string): ConfigFile {
  let text: string;
  try {
    const fd = fs.openSync(file, "r");
    try {
      // a regular file's size first (a hostile 1 GB file is not read); a pipe's as it comes,
      // never more than one byte past the limit
      const over = (bytes: string) => new UsageError(`--config ${file}: ${bytes} bytes, over the ${CONFIG_BYTES_MAX >> 20} MiB a config file may have (is it the right file?)`);
      const size = fs.fstatSync(fd).size;
      if (size > CONFIG_BYTES_MAX) throw over(String(size));
      const chunks: Buffer[] = [];
      let n = 0;
      for (;;) {
        const chunk = Buffer.allocUnsafe(Math.max(size + 1, 64 << 10));
        const got = fs.readSync(fd, chunk, 0, chunk.length, null);
        if (got === 0) break;
        chunks.push(chunk.subarray(0, got));
        n += got;
        if (n > CONFIG_BYTES_MAX) throw over(`more than ${CONFIG_BYTES_MAX}`);
      }
      text = Buffer.concat(chunks, n).toString("utf8");
    } finally {
      fs.closeSync(fd);
    }
  } catch (e) {
    if (e instanceof UsageError) throw e;
    const err = e as NodeJS.ErrnoException;
    const why = err.code === "ENOENT" ? "no such file" : err.code === "EACCES" ? "permission denied" : err.code === "EISDIR" ? "a directory, not a file" : err.message;
    throw new UsageError(`--config ${file}: cannot read it: ${why}`);
  }
  // a UTF-8 byte order mark (some Windows editors write one): not part of the JSON text
  // (RFC 8259 §8.1 lets a parser ignore it), and invisible in a message
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return configOf(file, text);
}

/** Parses and checks config text; every failure is a UsageError naming the file, whatever the text. */
export function configOf(file: string, text: string): ConfigFile {
  try {
    return checkConfig(file, parseJson(text));
  } catch (e) {
    if (e instanceof JsonSyntaxError) throw new UsageError(`${file}: ${e.message}`);
    throw asUsageError(e, file);
  }
}

/**
 * A FlowprobeError as it is; anything else (a bug in checking, which no input should reach)
 * as a UsageError naming `what` and the error, so that a bad file stops a start with exit
 * status 2 and a reload keeps the running config, rather than ending the process.
 */
export function asUsageError(e: unknown, what: string): FlowprobeError {
  if (e instanceof FlowprobeError) return e;
  const detail = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return new UsageError(`${what}: could not be checked (${quoted(detail)}: a bug in flowprobe, please report it with the file)`);
}

/** Checks a parsed config (the file's name for messages). */
export function checkConfig(file: string, root: JsonValue): ConfigFile {
  const bad = (path: string, what: string): never => {
    throw new UsageError(`${file}: ${path}: ${what}`);
  };
  if (!(root instanceof Map)) throw new UsageError(`${file}: expected an object ({ "interfaces": …, "targets": [ … ] }), found ${kindOf(root)}`);
  const globals = new Map<string, string | true>();
  let targets: FileTarget[] | undefined;
  let counters: CounterOptions[] | undefined;
  for (const [key, v] of root) {
    if (key === "targets") {
      targets = checkTargets(file, v, bad);
      continue;
    }
    if (key === "counters") {
      counters = checkCounterMap(file, v, bad);
      continue;
    }
    if (key === "counter") bad(key, 'the file gives its counters as "counters": { "NAME": "SELECTOR", … }');
    const spec = GLOBAL_SPECS.get(key);
    if (!spec) {
      const cli = OPTIONS.find((s) => s.cliOnly && fileKey(s) === key);
      bad(clipped(key), cli ? `--${cli.name} is for the command line only` : `unknown key${didYouMean(key, GLOBAL_KEYS)}`);
    }
    const text = globalText(spec!, v, (what) => bad(key, what));
    if (text !== undefined) globals.set(spec!.name, text);
  }
  if (targets) {
    // what each target gives for itself, not a default of all
    if (globals.has("destination")) bad("destination", 'with "targets", each target gives its own "destinations"');
    if (globals.has("format")) bad("format", 'with "targets", a target gives "protocol": "json" for JSON lines');
  }
  return { file, globals, targets, counters };
}

/** A global key's value as the command line's text (undefined: a switch that is off). */
function globalText(spec: OptionSpec, v: JsonValue, bad: (what: string) => never): string | true | undefined {
  if (spec.type === "boolean") {
    if (typeof v !== "boolean") bad(`expected true or false, found ${kindOf(v)}`);
    return v === true ? true : undefined;
  }
  if (spec.type === "integer") return String(integerOf(spec, v, bad));
  // text options: lists as lists (or one string), numbers where the option is a number
  if (LIST_OPTIONS.has(spec.name)) {
    if (spec.name === "ifindex-map" && v instanceof Map) {
      return [...v].map(([name, n]) => {
        if (typeof n !== "number" || !Number.isInteger(n)) bad(`${JSON.stringify(name)}: expected a whole number from 1 to 2147483647, found ${kindOf(n)}`);
        return `${name}=${n as number}`;
      }).join(",");
    }
    const list = typeof v === "string" ? [v] : Array.isArray(v) ? v : bad(`expected a list of strings (or one string), found ${kindOf(v)}`);
    if (list.length === 0) bad(spec.name === "destination" ? 'an empty destinations list: give at least one "HOST:PORT", or leave the key out for JSON lines' : "an empty list: leave the key out instead");
    return list.map((item, i) => {
      if (typeof item !== "string" || item === "") bad(`[${i}]: expected a non-empty string, found ${kindOf(item)}`);
      if (Array.isArray(v) && (item as string).includes(",")) bad(`[${i}]: ${JSON.stringify(item)} holds a comma: give each as its own list item`);
      return item as string;
    }).join(",");
  }
  if ((spec.name === "protocol" || spec.name === "seed") && (typeof v === "number" || typeof v === "bigint")) return String(v);
  if (typeof v !== "string") bad(`expected a string, found ${kindOf(v)}`);
  if (v === "") bad(`an empty string: give ${spec.arg ?? "a value"}, or leave the key out`);
  return v as string;
}

/** A JSON integer within the option's range. */
function integerOf(spec: OptionSpec, v: JsonValue, bad: (what: string) => never): number {
  const [min, max] = spec.range!;
  if (typeof v === "bigint") bad(`${v} is out of range, expected ${min} to ${max}`);
  if (typeof v !== "number" || !Number.isInteger(v)) bad(`expected a whole number from ${min} to ${max}, found ${kindOf(v)}`);
  const n = v as number;
  if (n < min || n > max) bad(`${n} is out of range, expected ${min} to ${max}`);
  return n;
}

function stringList(v: JsonValue, path: string, bad: (path: string, what: string) => never): string[] {
  if (!Array.isArray(v)) bad(path, `expected a list of strings, found ${kindOf(v)}`);
  return (v as JsonValue[]).map((item, i) => (typeof item === "string" && item !== "" ? item : bad(`${path}[${i}]`, `expected a non-empty string, found ${kindOf(item)}`)));
}

/** "counters": an object of name → selector text (a string; "" counts every packet). */
function checkCounterMap(file: string, v: JsonValue, bad: (path: string, what: string) => never): CounterOptions[] {
  if (!(v instanceof Map)) bad("counters", `expected an object of names and selectors ({ "http": "tcp port 80 or tcp port 443", "dns": "port 53" }), found ${kindOf(v)}`);
  const list: CounterOptions[] = [];
  for (const [name, select] of v as JsonObject) {
    if (typeof select !== "string") bad(`counters.${clipped(name)}`, `expected a selector (a string, "" for every packet), found ${kindOf(select)}`);
    list.push({ name, select: select as string });
  }
  if (list.length === 0) bad("counters", "an empty object: give at least one counter, or leave the key out");
  return checkCounters(list, `${file}: counters`);
}

function checkTargets(file: string, v: JsonValue, bad: (path: string, what: string) => never): FileTarget[] {
  if (!Array.isArray(v)) bad("targets", `expected a list of targets ([{ "name": …, "protocol": …, "destinations": […] }, …]), found ${kindOf(v)}`);
  const list = v as JsonValue[];
  if (list.length === 0) bad("targets", 'an empty list: give at least one target, or leave "targets" out for one target from the options');
  return list.map((t, i) => checkTarget(file, t, `targets[${i}]`, bad));
}

function checkTarget(file: string, t: JsonValue, path: string, bad: (path: string, what: string) => never): FileTarget {
  if (!(t instanceof Map)) return bad(path, `expected an object ({ "name": …, "protocol": …, "destinations": […] }), found ${kindOf(t)}`);
  const at = (key: string) => `${path}.${key}`;
  const str = (key: string, v: JsonValue) => (typeof v === "string" ? v : bad(at(key), `expected a string, found ${kindOf(v)}`));
  const options = new Map<string, number | boolean>();
  const option = (key: string, name: string, v: JsonValue) => {
    const spec = optionNamed(name);
    if (spec.type === "boolean") {
      if (typeof v !== "boolean") bad(key, `expected true or false, found ${kindOf(v)}`);
      options.set(name, v as boolean);
    } else {
      options.set(name, integerOf(spec, v, (what) => bad(key, what)));
    }
  };
  let name: string | undefined;
  let protocol: FileTarget["protocol"];
  let select: string | undefined;
  let fields: string[] | undefined;
  let aggregation: string[] | undefined;
  let mode: FileTarget["mode"];
  let destinations: Collector[] | undefined;
  for (const [key, v] of t as JsonObject) {
    switch (key) {
      case "name":
        name = str(key, v);
        if (!/^[A-Za-z0-9_.-]{1,32}$/.test(name)) bad(at(key), `${JSON.stringify(name)}: expected 1 to 32 letters, digits, - _ or . (the name goes into the statistics)`);
        break;
      case "source":
        if (v === "conntrack") bad(at(key), '"conntrack" comes with the conntrack issue; today a target meters "packets" (the default)');
        if (v !== "packets") bad(at(key), `expected "packets" (the default; "conntrack" comes later), found ${kindOf(v)}`);
        break;
      case "protocol":
        if (v === 5 || v === 9 || v === 10 || v === "json") protocol = v;
        else bad(at(key), `expected 5 (NetFlow v5), 9 (NetFlow v9), 10 (IPFIX) or "json" (JSON lines on standard output), found ${kindOf(v)}`);
        break;
      case "select":
        select = str(key, v);
        break;
      case "fields":
        fields = stringList(v, at(key), bad);
        if (fields.length === 0) bad(at(key), "an empty list: leave the key out for the default fields");
        break;
      case "aggregation":
        aggregation = stringList(v, at(key), bad);
        break;
      case "mode":
        if (!DESTINATION_MODES.includes(v as DestinationMode)) bad(at(key), `expected "mirror" (every collector gets every datagram, the default) or "round-robin" (they take turns), found ${kindOf(v)}`);
        mode = v as DestinationMode;
        break;
      case "destinations": {
        if (typeof v === "string") bad(at(key), `expected a list of "HOST:PORT", found ${kindOf(v)}: write [${JSON.stringify(v)}]`);
        const items = stringList(v, at(key), bad);
        if (items.length === 0) bad(at(key), 'an empty destinations list: give at least one "HOST:PORT" (or "protocol": "json" for JSON lines on standard output)');
        const seen = new Map<string, number>();
        destinations = items.map((item, k) => {
          if (item.includes(",")) bad(`${at(key)}[${k}]`, `${JSON.stringify(item)} holds a comma: give each collector as its own list item`);
          const [c] = parseCollectors(item, `${file}: ${at(key)}[${k}]:`);
          const id = collectorId(c!);
          if (seen.has(id)) bad(`${at(key)}[${k}]`, `${item} is also ${at(key)}[${seen.get(id)}]: the same collector twice would get every datagram twice`);
          seen.set(id, k);
          return c!;
        });
        break;
      }
      case "timeouts": {
        if (!(v instanceof Map)) bad(at(key), `expected an object ({ "active": S, "inactive": S, "tcp_end": S }), found ${kindOf(v)}`);
        for (const [k, s] of v as JsonObject) {
          const opt = TIMEOUT_KEYS.get(k);
          if (!opt) bad(`${at(key)}.${clipped(k)}`, `unknown key${didYouMean(k, [...TIMEOUT_KEYS.keys()])}`);
          option(`${at(key)}.${k}`, opt!, s);
        }
        break;
      }
      default: {
        const spec = (TARGET_KEYS as readonly string[]).includes(key) ? OPTIONS.find((s) => fileKey(s) === key) : undefined;
        if (!spec) {
          const global = GLOBAL_SPECS.get(key);
          const timeout = [...TIMEOUT_KEYS].find(([, o]) => o === global?.name)?.[0];
          bad(at(clipped(key)), timeout ? `a target gives it as "timeouts": { "${timeout}": … }`
            : global ? "a global key, not one of a target (the targets share it): give it at the top of the file"
            : `unknown key${didYouMean(key, TARGET_KEYS)}`);
        }
        option(at(key), spec!.name, v);
      }
    }
  }
  return { path, name, protocol, select, fields, aggregation, mode, destinations, options };
}
