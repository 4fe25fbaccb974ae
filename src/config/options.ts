// The config object — what a run is asked to do, one field per option — and the command line
// that makes it. Every option's type, range and default comes from the schema (schema.ts,
// defaults.ts); the checks between options, and their messages, are here. The JSON config
// file and UCI will make the same object.

import { randomBytes } from "node:crypto";
import { UsageError } from "../errors";
import { scan, integer } from "./argv";
import { defaultHashsize } from "./cache";
import { parseCollectors, type Collector } from "./collectors";
import { DEFAULTS } from "./defaults";
import { EXPORT_FORMATS, type FormatName } from "./formats";
import { resolveFields, splitFieldList } from "./fields";
import { parseAggregation, splitAggregation } from "./aggregation";
import { OPTIONS, optionNamed } from "./schema";

/** The config object. Units and defaults as the option schema gives them (schema.ts). */
export interface Options {
  /** Capture file to meter (pcap or pcapng); "-" is standard input. */
  read: string | undefined;
  /** Live capture: interface names, or ["any"]; undefined when reading a file. */
  interfaces: string[] | undefined;
  /** Each flow's first source and destination MAC (IPFIX/v9 56 and 80, JSON src_mac/dst_mac). */
  mac: boolean;
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
  /** Output: JSON lines (the default without collectors) or export datagrams to collectors. */
  format: FormatName;
  /** Collectors; every one gets every record (mirror). */
  destinations: Collector[];
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
  /** Hash seed; random per run unless given. */
  seed: bigint;
  seedGiven: boolean;
  /** Progress line on a terminal: auto (when stderr is a TTY), never. Default auto. */
  progress: "auto" | "never";
  /** Summary on stderr at the end. Default on. */
  summary: boolean;
  help: boolean;
  version: boolean;
}

/** What an interface name may be on Linux (IFNAMSIZ: 15 characters). */
const IFNAME = /^[A-Za-z0-9_.:@-]{1,15}$/;

/** Options that only mean something when exporting to collectors, or with live capture. */
const EXPORT_ONLY = OPTIONS.filter((s) => s.scope === "export").map((s) => s.name);
const LIVE_ONLY = OPTIONS.filter((s) => s.scope === "live").map((s) => s.name);

export function parseOptions(argv: string[]): Options {
  const given = scan(argv);
  const values = Object.fromEntries(given) as Record<string, string | boolean | undefined>;
  const str = (k: string) => values[k] as string | undefined;
  /** An integer option: its value within its range, else its default. */
  const num = (name: string) => {
    const spec = optionNamed(name);
    return str(name) !== undefined ? integer(spec, str(name)!) : spec.default as number;
  };

  const destText = str("destination");
  const destinations = destText !== undefined ? parseCollectors(destText) : [];
  if (destinations.length === 0) {
    for (const name of EXPORT_ONLY) {
      if (given.has(name)) throw new UsageError(`--${name} is for export to collectors: give --destination HOST:PORT (without it, flows are printed as JSON lines)`);
    }
  }
  const formatText = str("format");
  if (formatText !== undefined && formatText !== "json") throw new UsageError(`--format ${formatText}: expected json (export formats follow --protocol with --destination)`);
  if (formatText === "json" && destinations.length > 0) throw new UsageError("--format json and --destination: choose one output (JSON lines on standard output, or export to collectors)");
  const protocolText = str("protocol") ?? String(DEFAULTS.protocol);
  const exportFormat = EXPORT_FORMATS.find((f) => String(f.code) === protocolText);
  if (!exportFormat) {
    const choices = EXPORT_FORMATS.map((f) => `${f.code} (${f.title})`);
    throw new UsageError(`--protocol ${protocolText}: expected ${choices.slice(0, -1).join(", ")} or ${choices.at(-1)}`);
  }
  const protocol = exportFormat.code as 5 | 9 | 10;
  const format = destinations.length === 0 ? "json" : exportFormat.name;
  if (values.mac && format === "v5") throw new UsageError("--mac with --protocol 5: NetFlow v5 records have no MAC fields (use 9 or 10)");
  const fieldsText = str("fields");
  const fields = fieldsText !== undefined ? splitFieldList(fieldsText) : undefined;
  if (fields) resolveFields(fields, format); // (its errors now, before anything starts)
  const aggregationText = str("aggregation");
  const aggregation = aggregationText !== undefined ? splitAggregation(aggregationText) : undefined;
  if (aggregation) parseAggregation(aggregation);
  const maxflows = num("maxflows");
  const minHash = defaultHashsize(maxflows);
  let hashsize = minHash;
  if (str("hashsize") !== undefined) {
    const asked = num("hashsize");
    hashsize = 16;
    while (hashsize < asked) hashsize *= 2;
    if (hashsize < minHash) {
      throw new UsageError(`--hashsize ${asked}: too small for --maxflows ${maxflows}; the index must be at least ${minHash} entries so it stays at most 3/4 full`);
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
      throw new UsageError(`--seed ${JSON.stringify(seedText)}: expected an integer (decimal or 0x hex)`);
    }
    if (seed < 0n || seed >= 1n << 64n) throw new UsageError(`--seed ${seedText}: expected 0 to 2^64-1`);
  } else {
    seed = randomBytes(8).readBigUInt64LE(0);
  }
  const progress = str("progress") ?? DEFAULTS.progress;
  if (progress !== "auto" && progress !== "never") throw new UsageError(`--progress ${progress}: expected auto or never`);
  const names = (option: string) => {
    const text = str(option);
    if (text === undefined) return undefined;
    const list = text.split(",");
    for (const name of list) {
      if (!IFNAME.test(name) || (name === "any" && option !== "interfaces")) {
        throw new UsageError(`--${option} ${JSON.stringify(name)}: not an interface name (1-15 letters, digits, _ . : @ -)`);
      }
    }
    return list;
  };
  const lan = names("lan");
  const wan = names("wan");
  if (wan && !lan) throw new UsageError("--wan goes with --lan (upload and download are seen from the LAN)");
  // --lan alone: the LAN interfaces, both directions (the per-host view of a home router)
  const interfaces = names("interfaces") ?? lan;
  const directionDefault = str("interfaces") === undefined && lan ? "both" : "in";
  if (interfaces !== undefined) {
    if (str("read") !== undefined) throw new UsageError(`--read and --${str("interfaces") !== undefined ? "interfaces" : "lan"}: choose one source (a capture file, or live capture)`);
    if (interfaces.includes("any") && interfaces.length > 1) throw new UsageError("--interfaces: any stands alone (it is every interface)");
  } else {
    for (const live of LIVE_ONLY) {
      if (values[live] !== undefined) throw new UsageError(`--${live} is for live capture: give --interfaces`);
    }
  }
  const direction = str("direction") ?? directionDefault;
  if (direction !== "in" && direction !== "both") throw new UsageError(`--direction ${direction}: expected in or both`);
  const ifindexMap = new Map<string, number>();
  for (const item of (str("ifindex-map") ?? "").split(",").filter(Boolean)) {
    const m = /^(.+)=(\d+)$/.exec(item);
    if (!m || !IFNAME.test(m[1]!) || Number(m[2]) < 1 || Number(m[2]) > 0x7fffffff) throw new UsageError(`--ifindex-map ${JSON.stringify(item)}: expected NAME=NUMBER, the number from 1 to 2147483647`);
    ifindexMap.set(m[1]!, Number(m[2]));
  }
  const capture = str("capture") ?? DEFAULTS.capture;
  if (capture !== "shim" && capture !== "cap") throw new UsageError(`--capture ${capture}: expected shim or cap`);
  if (capture === "cap" && str("capture-helper") !== undefined) throw new UsageError("--capture-helper is the shim's: not with --capture cap");
  const user = str("user");
  if (user !== undefined && !/^[a-z_][a-z0-9_-]{0,31}\$?$/i.test(user)) throw new UsageError(`--user ${JSON.stringify(user)}: not a user name`);
  return {
    interfaces,
    lan,
    wan,
    ifindexMap,
    user,
    mac: Boolean(values.mac),
    promisc: Boolean(values.promisc),
    snaplen: num("snaplen"),
    ringMiB: num("ring-size"),
    blockTimeoutMs: num("block-timeout"),
    direction,
    filter: str("filter"),
    captureHelper: str("capture-helper"),
    capture,
    read: str("read"),
    format,
    destinations,
    protocol,
    engineId: num("engine-id"),
    refreshRate: num("refresh-rate"),
    timeoutRateMin: num("timeout-rate"),
    mtu: num("mtu"),
    sndbuf: num("sndbuf"),
    exportRate: num("export-rate"),
    fields,
    aggregation,
    maxflows,
    hashsize,
    activeTimeoutS: active,
    inactiveTimeoutS: inactive,
    tcpEndTimeoutS: num("tcp-end-timeout"),
    seed,
    seedGiven: seedText !== undefined,
    progress,
    summary: !values["no-summary"],
    help: Boolean(values.help),
    version: Boolean(values.version),
  };
}
