// The config object — what a run is asked to do, one field per option — and the command line
// that makes it. Every option's type, range and default comes from the schema (schema.ts,
// defaults.ts); the checks between options, and their messages, are here. The JSON config
// file and UCI will make the same object.

import { randomBytes } from "node:crypto";
import { UsageError, quoted } from "../errors";
import { scan, integer } from "./argv";
import { defaultHashsize } from "./cache";
import { DESTINATION_MODES, parseCollectors, type Collector, type DestinationMode } from "./collectors";
import { DEFAULTS } from "./defaults";
import { asUsageError, readConfigFile } from "./file";
import { EXPORT_FORMATS, type FormatName } from "./formats";
import { OPTIONS, fileKey, optionNamed } from "./schema";
import { resolveTargets, type TargetOptions } from "./targets";
import { compileSelector, SelectorError } from "./select";
import { resolveFields, splitFieldList } from "./fields";
import { parseAggregation, splitAggregation } from "./aggregation";
import { parseListen, type ListenAddress } from "./listen";
import { parseCounterList, type CounterOptions } from "./counters";
import { splitCommand, type FloodCommand } from "./flood";

/** The config object. Units and defaults as the option schema gives them (schema.ts). */
export interface Options {
  /** Capture file to meter (pcap or pcapng); "-" is standard input. */
  read: string | undefined;
  /** Live capture: interface names, or ["any"]; undefined when reading a file. */
  interfaces: string[] | undefined;
  /** Each flow's first source and destination MAC (IPFIX/v9 56 and 80, JSON src_mac/dst_mac). */
  mac: boolean;
  /** The prefix file: AS numbers and prefix lengths by longest match (src/host/prefixes.ts). Default none. */
  asFile: string | undefined;
  /** Live: set the interfaces promiscuous and meter frames addressed to other hosts (SPAN port). */
  promisc: boolean;
  /** Live: bytes of each packet handed from the kernel. Default DEFAULTS.snaplen (128). */
  snaplen: number;
  /** Live: "in" = arriving packets only (each forwarded packet counted once), "both" = also sent ones. Default in. */
  direction: "in" | "both";
  /** Live: tcpdump-style filter expression, compiled to classic BPF and run by the kernel. */
  filter: string | undefined;
  /** Live: stable interface numbers by name (ipt_NETFLOW's snmp-rules), e.g. ppp0 → 100. */
  ifindexMap: Map<string, number>;
  /** Live: LAN interfaces (home side) and WAN interfaces: flows get upload/download in JSON. */
  lan: string[] | undefined;
  wan: string[] | undefined;
  /** Live, started as root: drop to this user once the capture runs (the shim keeps its privileges). */
  user: string | undefined;
  /** Live: the capture shim's path. Default: flowprobe-capture beside flowprobe. */
  captureHelper: string | undefined;
  /** Live: MiB of kernel ring per interface (1 MiB blocks). Default 4. */
  ringMiB: number;
  /** Live: how long a ring block that is not full may wait, ms. Default 50. */
  blockTimeoutMs: number;
  /** Live capture backend: the shim (TPACKET_V3 rings) or libpcap in a child process through cap. Default shim. */
  capture: "shim" | "cap";
  /** The selector of the command line's one target (config/select.ts); undefined: every packet. */
  select: string | undefined;
  /** Output: JSON lines (the default without collectors) or export datagrams to collectors. */
  format: FormatName;
  /** Collectors. */
  destinations: Collector[];
  /** How datagrams go to them: every one gets each (mirror), or one each in turn (round-robin). Default mirror. */
  mode: DestinationMode;
  /** Export protocol, ipt_NETFLOW's numbering: 5 NetFlow v5, 9 NetFlow v9, 10 IPFIX. Default 10. */
  protocol: 5 | 9 | 10;
  /** IPFIX observation domain id. Default 0. */
  engineId: number;
  /** Templates again after this many datagrams to a collector. Default 20. */
  refreshRate: number;
  /** Templates again after this many minutes. Default 30. */
  timeoutRateMin: number;
  /** Largest datagram payload, bytes. Default 1400. */
  mtu: number;
  /** Socket send buffer, bytes (0 = the system's). Default 0. */
  sndbuf: number;
  /** Datagrams per second to each collector (0 = unpaced). Default 5000. */
  exportRate: number;
  /** Most flows in the cache at once. Default 2,000,000 (ipt_NETFLOW's). */
  maxflows: number;
  /** IPFIX/v9: the template fields by name (config/fields.ts); undefined = the default template set. */
  fields: string[] | undefined;
  /** Aggregation rules, ipt_NETFLOW's syntax (config/aggregation.ts); undefined = none. */
  aggregation: string[] | undefined;
  /** Hash index entries at most (power of two). Default: smallest keeping maxflows ≤ 3/4 full. */
  hashsize: number;
  /** Seconds after a flow's first packet before it is exported. Default 1800. */
  activeTimeoutS: number;
  /** Seconds without packets before a flow is exported. Default 15. */
  inactiveTimeoutS: number;
  /** Seconds without packets before a TCP flow that saw FIN or RST is exported (0 = at the FIN/RST). Default 2. */
  tcpEndTimeoutS: number;
  /** Flood detection, the targets' default (each target has its own): packets/s of a flow, new flows/s of a source; 0 = off. */
  floodPps: number;
  floodNewFlows: number;
  /** Seconds an alerted source is not logged (nor its action run) again, per kind and target. Default 60. */
  floodHoldoffS: number;
  /** The command a logged alert runs (config/flood.ts), undefined = none. */
  floodAction: FloodCommand | undefined;
  /** Hash seed; random per run unless given. */
  seed: bigint;
  seedGiven: boolean;
  /** Progress line on a terminal: auto (when stderr is a TTY), never. Default auto. */
  progress: "auto" | "never";
  /** Summary on stderr at the end. Default on. */
  summary: boolean;
  /** The control socket's path (--control; config key control). Default none. */
  control: string | undefined;
  /** The stat text is written here every statIntervalS (--stat-file). Default none. */
  statFile: string | undefined;
  /** Seconds between writes of statFile. Default 5. */
  statIntervalS: number;
  /** --metrics: where the Prometheus page is served (src/stats/scrape-page.ts). Default none. */
  metrics: ListenAddress | undefined;
  help: boolean;
  version: boolean;
  /** The targets of the run: from the config file's "targets", else one made of the options
   * above (named "default"). The app builds these; the fields above are their defaults. */
  targets: TargetOptions[];
  /** --config: the file, and which of its settings the command line replaced. */
  config: ConfigOrigin | undefined;
  /** Named counters (nfacct; config/counters.ts), in order: the command line's --counter, else
   * the file's "counters" (the command line's list replaces the file's whole). Default none. */
  counters: CounterOptions[];
}

export interface ConfigOrigin {
  /** The file as --config named it. */
  file: string;
  /** Whether its "targets" made the targets (else one target of the options). */
  hasTargets: boolean;
  /** Options given on the command line (besides --config), in the schema's order. */
  commandLine: string[];
  /** Of those, the ones the file set too (globally or in a target): the command line's were used. */
  overridden: string[];
}


/** What an interface name may be on Linux (IFNAMSIZ: 15 characters). */
const IFNAME = /^[A-Za-z0-9_.:@-]{1,15}$/;

/** Options that only mean something when exporting to collectors, or with live capture. */
const EXPORT_ONLY = OPTIONS.filter((s) => s.scope === "export").map((s) => s.name);
const LIVE_ONLY = OPTIONS.filter((s) => s.scope === "live").map((s) => s.name);

/**
 * The config object of a command line (and the config file it names). Throws a UsageError
 * (exit status 2) on any input, whatever is wrong with it: a reload calls this again on a
 * file someone is editing, and must keep the running config, not end the process.
 */
export function parseOptions(argv: string[]): Options {
  try {
    return optionsOf(argv);
  } catch (e) {
    throw asUsageError(e, "the options");
  }
}

function optionsOf(argv: string[]): Options {
  const given = scan(argv);
  // the config file's global keys, as the command line gives them; the command line wins
  const commandLine = new Set(given.keys());
  const configFile = typeof given.get("config") === "string" ? readConfigFile(given.get("config") as string) : undefined;
  if (configFile) for (const [k, v] of configFile.globals) if (!given.has(k)) given.set(k, v);
  /** How a message names an option: as the command line gave it, or the file's key. */
  const named = (option: string) => (commandLine.has(option) || !configFile ? `--${option}` : `${configFile.file}: ${fileKey(optionNamed(option))}`);
  /** The same later in a sentence: the flag, or the file's key. */
  const mention = (option: string) => (commandLine.has(option) || !configFile ? `--${option}` : fileKey(optionNamed(option)));
  // (a Map, never an object: no key finds a built-in such as "constructor")
  const value = (k: string) => given.get(k);
  const str = (k: string) => value(k) as string | undefined;
  /** An integer option: its value within its range, else its default. */
  const num = (name: string) => {
    const spec = optionNamed(name);
    return str(name) !== undefined ? integer(spec, str(name)!) : spec.default as number;
  };

  const destText = str("destination");
  const destinations = destText !== undefined ? parseCollectors(destText) : [];
  if (destinations.length === 0 && !configFile?.targets) {
    for (const name of EXPORT_ONLY) {
      if (given.has(name)) throw new UsageError(`${named(name)} is for export to collectors: give --destination HOST:PORT (without it, flows are printed as JSON lines)`);
    }
  }
  const formatText = str("format");
  if (formatText !== undefined && formatText !== "json") throw new UsageError(`${named("format")} ${formatText}: expected json (export formats follow --protocol with --destination)`);
  if (formatText === "json" && destinations.length > 0) throw new UsageError(`${named("format")} json and ${mention("destination")}: choose one output (JSON lines on standard output, or export to collectors)`);
  const protocolText = str("protocol") ?? String(DEFAULTS.protocol);
  const exportFormat = EXPORT_FORMATS.find((f) => String(f.code) === protocolText);
  if (!exportFormat) {
    const choices = EXPORT_FORMATS.map((f) => `${f.code} (${f.title})`);
    throw new UsageError(`${named("protocol")} ${protocolText}: expected ${choices.slice(0, -1).join(", ")} or ${choices.at(-1)}`);
  }
  const protocol = exportFormat.code as 5 | 9 | 10;
  const format = destinations.length === 0 ? "json" : exportFormat.name;
  if (value("mac") && format === "v5") throw new UsageError(`${named("mac")} with ${mention("protocol")} 5: NetFlow v5 records have no MAC fields (use 9 or 10)`);
  const mode = (str("mode") ?? DEFAULTS.mode) as DestinationMode;
  if (!DESTINATION_MODES.includes(mode)) throw new UsageError(`${named("mode")} ${str("mode")}: expected mirror (every collector gets every datagram) or round-robin (each datagram to one collector in turn)`);
  const fieldsText = str("fields");
  const fields = fieldsText !== undefined ? splitFieldList(fieldsText) : undefined;
  // (its errors now, before anything starts; with targets in the file, the list is their
  // default, checked here for its names and against each IPFIX and v9 target in targets.ts)
  if (fields) resolveFields(fields, format, named("fields"));
  const aggregationText = str("aggregation");
  const aggregation = aggregationText !== undefined ? splitAggregation(aggregationText) : undefined;
  if (aggregation) parseAggregation(aggregation, named("aggregation"));
  const maxflows = num("maxflows");
  const minHash = defaultHashsize(maxflows);
  let hashsize = minHash;
  if (str("hashsize") !== undefined) {
    const asked = num("hashsize");
    hashsize = 16;
    while (hashsize < asked) hashsize *= 2;
    if (hashsize < minHash) {
      throw new UsageError(`${named("hashsize")} ${asked}: too small for ${mention("maxflows")} ${maxflows}; the index must be at least ${minHash} entries so it stays at most 3/4 full`);
    }
  }
  const inactive = num("inactive-timeout");
  const active = num("active-timeout");
  let seed: bigint;
  const seedText = str("seed");
  if (seedText !== undefined) {
    try {
      seed = BigInt(seedText);
    } catch {
      throw new UsageError(`${named("seed")} ${JSON.stringify(seedText)}: expected an integer (decimal or 0x hex)`);
    }
    if (seed < 0n || seed >= 1n << 64n) throw new UsageError(`${named("seed")} ${seedText}: expected 0 to 2^64-1`);
  } else {
    seed = randomBytes(8).readBigUInt64LE(0);
  }
  const select = str("select");
  // checked now, so a bad one is a usage error before anything starts (the meter compiles it again)
  let selector;
  try {
    selector = select !== undefined ? compileSelector(select) : undefined;
  } catch (e) {
    // the file's: named by the file and its key (the command line's says select: "…")
    if (e instanceof SelectorError && !commandLine.has("select") && configFile) throw new UsageError(`${named("select")}: ${quoted(e.text, e.column - 1)}: ${e.detail}`);
    throw e;
  }
  if (selector && format === "v5" && !selector.matchesIPv4) throw new UsageError(`${named("select")} ${quoted(select!)} with ${mention("protocol")} 5: it selects IPv6 packets only, and NetFlow v5 carries IPv4 only (use 9 or 10)`);
  const metricsText = str("metrics");
  const metrics = metricsText !== undefined ? parseListen(metricsText, named("metrics")) : undefined;
  const counterText = str("counter");
  const counters = counterText !== undefined ? parseCounterList(counterText) : [...(configFile?.counters ?? [])];
  const progress = str("progress") ?? DEFAULTS.progress;
  if (progress !== "auto" && progress !== "never") throw new UsageError(`${named("progress")} ${progress}: expected auto or never`);
  const names = (option: string) => {
    const text = str(option);
    if (text === undefined) return undefined;
    const list = text.split(",");
    const seen = new Set<string>();
    for (const name of list) {
      if (!IFNAME.test(name) || (name === "any" && option !== "interfaces")) {
        throw new UsageError(`${named(option)} ${JSON.stringify(name)}: not an interface name (1-15 letters, digits, _ . : @ -)`);
      }
      // (the file's lists come here too, joined: config/file.ts) twice in -i, the shim would
      // open two rings on it and meter each packet twice
      if (seen.has(name)) {
        const why = option === "interfaces" ? " (two captures of it would count every packet twice)" : "";
        throw new UsageError(`${named(option)} ${JSON.stringify(name)}: listed twice; give each interface once${why}`);
      }
      seen.add(name);
    }
    return list;
  };
  const lan = names("lan");
  const wan = names("wan");
  if (wan && !lan) throw new UsageError(`${named("wan")} goes with ${mention("lan")} (upload and download are seen from the LAN)`);
  // --lan alone: the LAN interfaces, both directions (the per-host view of a home router)
  const interfaces = names("interfaces") ?? lan;
  const directionDefault = str("interfaces") === undefined && lan ? "both" : "in";
  if (interfaces !== undefined) {
    if (str("read") !== undefined) throw new UsageError(`${named("read")} and ${mention(str("interfaces") !== undefined ? "interfaces" : "lan")}: choose one source (a capture file, or live capture)`);
    if (interfaces.includes("any") && interfaces.length > 1) throw new UsageError(`${named("interfaces")}: any stands alone (it is every interface)`);
  } else {
    for (const live of LIVE_ONLY) {
      if (value(live) !== undefined) throw new UsageError(`${named(live)} is for live capture: give --interfaces`);
    }
  }
  const direction = str("direction") ?? directionDefault;
  if (direction !== "in" && direction !== "both") throw new UsageError(`${named("direction")} ${direction}: expected in or both`);
  const ifindexMap = new Map<string, number>();
  for (const item of (str("ifindex-map") ?? "").split(",").filter(Boolean)) {
    const m = /^(.+)=(\d+)$/.exec(item);
    if (!m || !IFNAME.test(m[1]!) || Number(m[2]) < 1 || Number(m[2]) > 0x7fffffff) throw new UsageError(`${named("ifindex-map")} ${JSON.stringify(item)}: expected NAME=NUMBER, the number from 1 to 2147483647`);
    ifindexMap.set(m[1]!, Number(m[2]));
  }
  const capture = str("capture") ?? DEFAULTS.capture;
  if (capture !== "shim" && capture !== "cap") throw new UsageError(`${named("capture")} ${capture}: expected shim or cap`);
  if (capture === "cap" && str("capture-helper") !== undefined) throw new UsageError(`${named("capture-helper")} is the shim's: not with --capture cap`);
  const user = str("user");
  if (user !== undefined && !/^[a-z_][a-z0-9_-]{0,31}\$?$/i.test(user)) throw new UsageError(`${named("user")} ${JSON.stringify(user)}: not a user name`);
  const tcpEndTimeoutS = num("tcp-end-timeout");
  const mac = Boolean(value("mac"));
  const engineId = num("engine-id");
  const refreshRate = num("refresh-rate");
  const timeoutRateMin = num("timeout-rate");
  const mtu = num("mtu");
  const sndbuf = num("sndbuf");
  const exportRate = num("export-rate");
  const floodPps = num("flood-pps");
  const floodNewFlows = num("flood-new-flows");
  const floodActionText = str("flood-action");
  const floodAction = floodActionText !== undefined ? splitCommand(floodActionText, named("flood-action")) : undefined;
  const targets = resolveTargets({
    format, protocol, destinations, maxflows, hashsize, activeTimeoutS: active, inactiveTimeoutS: inactive, tcpEndTimeoutS,
    mac, mtu, engineId, refreshRate, timeoutRateMin, exportRate, sndbuf, select, mode, fields, aggregation, floodPps, floodNewFlows,
  }, commandLine, str("hashsize") !== undefined, configFile);
  if (floodAction && !targets.some((t) => t.floodPps > 0 || t.floodNewFlows > 0)) {
    throw new UsageError(`${named("flood-action")} without flood detection: give --flood-pps N or --flood-new-flows N (or a target's flood_pps, flood_new_flows), or nothing would ever run it`);
  }
  let config: ConfigOrigin | undefined;
  if (configFile) {
    const inFile = new Set(configFile.globals.keys());
    if (configFile.counters) inFile.add("counter");
    for (const t of configFile.targets ?? []) for (const k of t.options.keys()) inFile.add(k);
    const fromCommandLine = OPTIONS.map((s) => s.name).filter((n) => commandLine.has(n) && n !== "config");
    config = { file: configFile.file, hasTargets: configFile.targets !== undefined, commandLine: fromCommandLine, overridden: fromCommandLine.filter((n) => inFile.has(n)) };
  }
  return {
    interfaces,
    lan,
    wan,
    ifindexMap,
    user,
    mac,
    asFile: str("as-file"),
    promisc: Boolean(value("promisc")),
    snaplen: num("snaplen"),
    ringMiB: num("ring-size"),
    blockTimeoutMs: num("block-timeout"),
    direction,
    filter: str("filter"),
    select,
    captureHelper: str("capture-helper"),
    capture,
    read: str("read"),
    format,
    destinations,
    mode,
    protocol,
    engineId,
    refreshRate,
    timeoutRateMin,
    mtu,
    sndbuf,
    exportRate,
    fields,
    aggregation,
    maxflows,
    hashsize,
    activeTimeoutS: active,
    inactiveTimeoutS: inactive,
    tcpEndTimeoutS,
    floodPps,
    floodNewFlows,
    floodHoldoffS: num("flood-holdoff"),
    floodAction,
    seed,
    seedGiven: seedText !== undefined,
    progress,
    summary: !value("no-summary"),
    control: str("control"),
    statFile: str("stat-file"),
    statIntervalS: num("stat-interval"),
    metrics,
    help: Boolean(value("help")),
    version: Boolean(value("version")),
    targets,
    config,
    counters,
  };
}
