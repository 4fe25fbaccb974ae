// Targets: what each export of a run is — its protocol, collectors and mode, timeouts and cache,
// export settings, and the selector, field list and aggregation it passes on. Without a config
// file, or with one that has no "targets", the options make one target (as the command line
// always did). With "targets", each key of a target comes from, in this order: the command
// line (a flag given there wins over the file, for every target), the target's own key, the
// file's global key (the default of every target), the option's default.

import { UsageError, quoted } from "../errors";
import { DEST_MAX, TARGET_MAX } from "../../assembly/layout";
import { defaultHashsize } from "./cache";
import { collectorId, type Collector, type DestinationMode } from "./collectors";
import type { ConfigFile, FileTarget } from "./file";
import { exportFormatOf, type FormatName } from "./formats";
import { compileSelector, SelectorError } from "./select";
import { fieldListProblems } from "./fields";
import { aggregationProblems } from "./aggregation";

/** One target, every value settled. Units and defaults as the option schema gives them. */
export interface TargetOptions {
  /** Its name in the statistics and messages ("default" for the one of the command line). */
  name: string;
  /** json (lines on standard output), or the export format its collectors get. */
  format: FormatName;
  /** The selector, field list and aggregation rules, as written (their meaning is the meter's). */
  select: string | undefined;
  fields: string[] | undefined;
  aggregation: string[] | undefined;
  /** mirror: every collector gets every datagram; round-robin: they take turns. */
  mode: DestinationMode;
  /** Its collectors ([] for JSON lines). */
  destinations: Collector[];
  maxflows: number;
  hashsize: number;
  activeTimeoutS: number;
  inactiveTimeoutS: number;
  tcpEndTimeoutS: number;
  mac: boolean;
  mtu: number;
  engineId: number;
  refreshRate: number;
  timeoutRateMin: number;
  /** Datagrams per second to each of its collectors (0 = unpaced). */
  exportRate: number;
  sndbuf: number;
  /** Flood detection: a flow over this many packets in a second, a source over this many new flows in one (0 = off). */
  floodPps: number;
  floodNewFlows: number;
}

/** The options a target takes, by option name, with the config object's field for each. */
const TARGET_OPTIONS = {
  "maxflows": "maxflows", "active-timeout": "activeTimeoutS", "inactive-timeout": "inactiveTimeoutS", "tcp-end-timeout": "tcpEndTimeoutS",
  "mac": "mac", "mtu": "mtu", "engine-id": "engineId", "refresh-rate": "refreshRate", "timeout-rate": "timeoutRateMin",
  "export-rate": "exportRate", "sndbuf": "sndbuf", "flood-pps": "floodPps", "flood-new-flows": "floodNewFlows",
} as const satisfies Record<string, keyof TargetOptions>;
/** Of those, the ones only an export target has. */
const EXPORT_KEYS: Record<string, string> = { mtu: "mtu", "engine-id": "engine_id", "refresh-rate": "refresh_rate", "timeout-rate": "timeout_rate", "export-rate": "export_rate", sndbuf: "sndbuf" };
/** Flags that are a target's alone: with targets in the file, which target they would mean is not for flowprobe to guess. */
const PER_TARGET_FLAGS = ["destination", "protocol", "format", "select", "mode", "fields", "aggregation"];

/** What the globals of the run give a target that says nothing itself. */
export type TargetDefaults = Pick<TargetOptions, (typeof TARGET_OPTIONS)[keyof typeof TARGET_OPTIONS] | "hashsize"> & {
  format: FormatName;
  protocol: 5 | 9 | 10;
  destinations: Collector[];
  /** The command line's (or the file's global) selector: the one target's when the file lists none. */
  select: string | undefined;
  /** The command line's (or the file's global) destination mode. */
  mode: DestinationMode;
  /** The command line's (or the file's global) field list and aggregation rules. */
  fields: string[] | undefined;
  aggregation: string[] | undefined;
};

/**
 * The targets of a run. `globals`: the options' values (the command line over the file's
 * global keys over the defaults); `commandLine`: the options given on the command line;
 * `hashsizeGiven`: whether --hashsize (or hashsize) was given, rather than derived.
 */
export function resolveTargets(globals: TargetDefaults, commandLine: ReadonlySet<string>, hashsizeGiven: boolean, config: ConfigFile | undefined): TargetOptions[] {
  if (!config?.targets) {
    return [{ name: "default", select: globals.select, fields: globals.fields, aggregation: globals.aggregation, mode: globals.mode, ...pick(globals), format: globals.format, destinations: globals.destinations, hashsize: globals.hashsize }];
  }
  const file = config.file;
  for (const flag of PER_TARGET_FLAGS) {
    if (commandLine.has(flag)) {
      throw new UsageError(`--${flag} with --config ${file}, whose "targets" each give their own ${flag === "destination" ? '"destinations"' : ["select", "mode", "fields", "aggregation"].includes(flag) ? `"${flag}"` : '"protocol"'}: set it in the file (or leave "targets" out of the file: then the command line's and the file's options make one target)`);
    }
  }
  if (config.targets.length > TARGET_MAX) throw new UsageError(`${file}: targets: ${config.targets.length} targets; at most ${TARGET_MAX}`);
  const bad = (t: FileTarget, key: string, what: string): never => {
    throw new UsageError(`${file}: ${t.path}${key ? `.${key}` : ""}: ${what}`);
  };
  const names = new Map<string, string>();
  let jsonTarget: string | undefined;
  let collectors = 0;
  /** Every export target so far of each collector (collectorId): its path, format and engine id. */
  const byCollector = new Map<string, Array<{ path: string; format: FormatName; engineId: number }>>();
  return config.targets.map((t) => {
    if (t.name === undefined) bad(t, "", 'no "name": each target needs one (its statistics go by it)');
    const name = t.name!;
    if (names.has(name)) bad(t, "name", `${JSON.stringify(name)} is also the name of ${names.get(name)}: each target needs its own`);
    names.set(name, t.path);
    // the command line over the target's own key over the file's global key over the default
    const value = <K extends keyof typeof TARGET_OPTIONS>(option: K): TargetOptions[(typeof TARGET_OPTIONS)[K]] => {
      const own = t.options.get(option);
      return (commandLine.has(option) || own === undefined ? globals[TARGET_OPTIONS[option]] : own) as TargetOptions[(typeof TARGET_OPTIONS)[K]];
    };
    const protocol = t.protocol ?? globals.protocol;
    const format: FormatName = protocol === "json" ? "json" : exportFormatOf(protocol)!.name;
    const target: TargetOptions = {
      name,
      format,
      select: t.select ?? globals.select,
      // (the file's global field list is the default of its IPFIX and v9 targets: v5's record is fixed)
      fields: t.fields ?? (protocol === 9 || protocol === 10 ? globals.fields : undefined),
      aggregation: t.aggregation ?? globals.aggregation,
      mode: t.mode ?? globals.mode,
      destinations: t.destinations ?? [],
      maxflows: value("maxflows"),
      hashsize: 0,
      activeTimeoutS: value("active-timeout"),
      inactiveTimeoutS: value("inactive-timeout"),
      tcpEndTimeoutS: value("tcp-end-timeout"),
      mac: value("mac"),
      mtu: value("mtu"),
      engineId: value("engine-id"),
      refreshRate: value("refresh-rate"),
      timeoutRateMin: value("timeout-rate"),
      exportRate: value("export-rate"),
      sndbuf: value("sndbuf"),
      floodPps: value("flood-pps"),
      floodNewFlows: value("flood-new-flows"),
    };
    // the selector: checked now, so a bad one stops the start (the meter compiles it again);
    // the file's global one (syntax checked as an option) is named as such
    if (target.select !== undefined) {
      const key = t.select !== undefined ? "select" : "";
      const which = key ? "" : 'the file\'s "select" (every target\'s default): ';
      let sel;
      try {
        sel = compileSelector(target.select);
      } catch (e) {
        if (e instanceof SelectorError) bad(t, key, `${which}${quoted(target.select, e.column - 1)}: ${e.detail}`);
        throw e;
      }
      if (sel && format === "v5" && !sel.matchesIPv4) bad(t, key, `${which}${quoted(target.select)} selects IPv6 packets only, and NetFlow v5 carries IPv4 only (use protocol 9 or 10)`);
    }
    // its own field list: each element's problem under its index; the file's global one
    // (its names checked as an option) against this target's protocol, named as such
    if (t.fields !== undefined && format !== "v5") {
      for (const p of fieldListProblems(t.fields, format)) bad(t, p.index !== undefined ? `fields[${p.index}]` : "fields", p.message);
    } else if (t.fields === undefined && target.fields !== undefined) {
      const [p] = fieldListProblems(target.fields, format);
      if (p) bad(t, "", `the file's "fields" (the default of its IPFIX and NetFlow v9 targets): ${p.message}; give this target "fields" of its own`);
    }
    if (t.aggregation !== undefined) {
      for (const p of aggregationProblems(t.aggregation)) bad(t, p.index !== undefined ? `aggregation[${p.index}]` : "aggregation", p.message);
    }
    // the cache: its own hash index size, or the global one, or the one its maxflows needs
    const minHash = defaultHashsize(target.maxflows);
    const asked = commandLine.has("hashsize") ? undefined : t.options.get("hashsize") as number | undefined;
    if (asked !== undefined || hashsizeGiven) {
      let h = 16;
      while (h < (asked ?? globals.hashsize)) h *= 2;
      if (h < minHash) bad(t, asked !== undefined ? "hashsize" : "", `hashsize ${asked ?? globals.hashsize} is too small for maxflows ${target.maxflows}; the index must be at least ${minHash} entries so it stays at most 3/4 full`);
      target.hashsize = h;
    } else {
      target.hashsize = minHash;
    }
    if (format === "json") {
      if (jsonTarget !== undefined) bad(t, "protocol", `a second JSON target (${jsonTarget} is one): JSON lines go to standard output, and one target has it`);
      jsonTarget = t.path;
      if (t.destinations) bad(t, "destinations", 'a JSON target prints its flows on standard output: collectors are for protocol 5, 9 or 10');
      if (t.mode) bad(t, "mode", "a JSON target has no collectors to mirror or take turns");
      for (const [option, key] of Object.entries(EXPORT_KEYS)) if (t.options.has(option)) bad(t, key, "only for a target that exports to collectors (this one's protocol is json)");
    } else {
      if (!t.destinations) bad(t, "", `no "destinations": a ${exportFormatOf(protocol as number)!.title} target needs at least one collector, ["HOST:PORT"] (for JSON lines on standard output, give "protocol": "json")`);
      if (format === "v5") {
        if (t.fields) bad(t, "fields", "NetFlow v5 has a fixed record: a field list needs protocol 9 or 10");
        if (target.mac) {
          // the command line's --mac wins over every target's own key: only dropping it helps
          if (commandLine.has("mac")) bad(t, "", 'NetFlow v5 records have no MAC fields, and --mac on the command line is for every target: drop --mac from the command line, and give "mac": true in the file to the targets that want MACs (protocol 9 or 10)');
          bad(t, t.options.has("mac") ? "mac" : "", `NetFlow v5 records have no MAC fields (use protocol 9 or 10)${t.options.has("mac") ? "" : `; "mac" is on for every target: set "mac": false in this one`}`);
        }
      }
      for (const c of target.destinations) {
        // one collector tells exporters apart by address and observation domain (engine id):
        // two targets of one protocol and engine id would mix their templates and sequences there
        // (every earlier target of the collector, not only the last: v9, IPFIX, v9 again)
        const id = collectorId(c);
        const others = byCollector.get(id) ?? [];
        const other = others.find((o) => o.format === format && o.engineId === target.engineId);
        if (other) {
          bad(t, "destinations", `${c.host.includes(":") ? `[${c.host}]` : c.host}:${c.port} is also a collector of ${other.path} with the same protocol and engine_id ${target.engineId}: the collector could not tell their records apart; give one of them another "engine_id"`);
        }
        others.push({ path: t.path, format, engineId: target.engineId });
        byCollector.set(id, others);
      }
      collectors += target.destinations.length;
      if (collectors > DEST_MAX) bad(t, "destinations", `${collectors} collectors in all; at most ${DEST_MAX} across the targets`);
    }
    return target;
  });
}

function pick(g: TargetDefaults) {
  return {
    maxflows: g.maxflows, activeTimeoutS: g.activeTimeoutS, inactiveTimeoutS: g.inactiveTimeoutS, tcpEndTimeoutS: g.tcpEndTimeoutS,
    mac: g.mac, mtu: g.mtu, engineId: g.engineId, refreshRate: g.refreshRate, timeoutRateMin: g.timeoutRateMin,
    exportRate: g.exportRate, sndbuf: g.sndbuf, floodPps: g.floodPps, floodNewFlows: g.floodNewFlows,
  };
}
