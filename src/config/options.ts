// Command-line options: typed and documented once. Each option's entry gives its unit and
// default; --help is generated from this table, and the parsed result is one Options object.

import { randomBytes } from "node:crypto";
import { UsageError } from "../errors";
import { DEFAULT_TCP_END_TIMEOUT_S } from "./defaults";
import { cacheBytesAtMost, defaultHashsize } from "../meter/meter";
import { MAXFLOWS_LIMIT } from "../../assembly/layout";
import { parseCollectors, type Collector } from "../export/udp";
import { DEFAULT_RING_MIB, DEFAULT_BLOCK_TIMEOUT_MS } from "../capture/live";

export interface Options {
  /** Capture file to meter (pcap or pcapng); "-" is standard input. */
  read: string | undefined;
  /** Live capture: interface names, or ["any"]; undefined when reading a file. */
  interfaces: string[] | undefined;
  /** Each flow's first source and destination MAC (IPFIX/v9 56 and 80, JSON src_mac/dst_mac). */
  mac: boolean;
  /** Live: set the interfaces promiscuous and meter frames addressed to other hosts (SPAN port). */
  promisc: boolean;
  /** Live: bytes of each packet handed from the kernel. Default 128. */
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
  /** Live: MiB of kernel ring per interface (1 MiB blocks), and how long a block may wait. */
  ringMiB: number;
  blockTimeoutMs: number;
  /** Live capture backend: the shim (TPACKET_V3 rings) or libpcap in-process through cap. */
  capture: "shim" | "cap";
  /** Output: JSON lines (the default without collectors) or export datagrams to collectors. */
  format: "json" | "ipfix" | "v5" | "v9";
  /** Collectors; every one gets every record (mirror). */
  destinations: Collector[];
  /** Export protocol, ipt_NETFLOW's numbering: 5 NetFlow v5, 9 NetFlow v9, 10 IPFIX. */
  protocol: 5 | 9 | 10;
  /** IPFIX observation domain id. Default 0. */
  engineId: number;
  /** Templates again after this many datagrams to a collector. Default 20. */
  refreshRate: number;
  /** Templates again after this many minutes. Default 30. */
  timeoutRateMin: number;
  /** Largest datagram payload, bytes. Default 1400. */
  mtu: number;
  /** Socket send buffer, bytes (0 = the system's). */
  sndbuf: number;
  /** Datagrams per second to each collector (0 = unpaced). Default 5000. */
  exportRate: number;
  /** Most flows in the cache at once. Default 2,000,000 (ipt_NETFLOW's). */
  maxflows: number;
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
  /** Progress line on a terminal: auto (when stderr is a TTY), never. */
  progress: "auto" | "never";
  /** Summary on stderr at the end. Default on. */
  summary: boolean;
  help: boolean;
  version: boolean;
}

interface Spec {
  name: string;
  short?: string;
  type: "string" | "boolean";
  arg?: string;
  unit?: string;
  def: string;
  help: string;
}

export const DEFAULT_MAXFLOWS = 2_000_000;


/** What an interface name may be on Linux (IFNAMSIZ: 15 characters). */
const IFNAME = /^[A-Za-z0-9_.:@-]{1,15}$/;

/** What the default cache costs at most, for --help. Written when asked for, not at load:
 * toLocaleString brings in ICU's locale data, several MB of resident memory for a run that
 * prints no summary. */
const DEFAULT_CACHE = "{default cache}";

const SPECS: Spec[] = [
  { name: "read", short: "r", type: "string", arg: "FILE", def: "none", help: "meter this capture file (pcap or pcapng; - reads standard input)" },
  { name: "interfaces", short: "i", type: "string", arg: "IF[,IF…]|any", def: "none", help: "capture live on these interfaces through the capture shim flowprobe-capture (which needs CAP_NET_RAW); any = every interface" },
  { name: "promisc", type: "boolean", def: "off", help: "live: set the interfaces promiscuous and meter frames addressed to other hosts (a SPAN or mirror port); without it they are skipped and counted" },
  { name: "snaplen", type: "string", arg: "N", unit: "bytes", def: "128", help: "live: bytes of each packet the kernel hands over (headers only are needed)" },
  { name: "ring-size", type: "string", arg: "N", unit: "MiB", def: String(DEFAULT_RING_MIB), help: "live: the kernel ring of each interface (1 MiB blocks; 2 to 1024; with --capture cap, libpcap's buffer). A larger ring rides out longer bursts without drops" },
  { name: "block-timeout", type: "string", arg: "MS", unit: "milliseconds", def: String(DEFAULT_BLOCK_TIMEOUT_MS), help: "live: a ring block that is not full is handed over after this long, so a quiet link still delivers its packets (1 to 10000)" },
  { name: "direction", type: "string", arg: "in|both", def: "in; both with --lan alone", help: "live: in = arriving packets only, so a router counts each forwarded packet once; both = sent packets too (a host)" },
  { name: "filter", type: "string", arg: "EXPR", def: "none", help: "live: tcpdump-style filter (pcap-filter(7)), compiled by libpcap for each interface's link type (Ethernet, or raw IP on PPP and tunnels; not with any) and run in the kernel" },
  { name: "ifindex-map", type: "string", arg: "NAME=N[,…]", def: "none", help: "live: the interface numbers flows carry, by name, instead of the kernel's ifindex (a ppp0 that gets a new ifindex at every reconnect keeps its number at the collector)" },
  { name: "lan", type: "string", arg: "IF[,IF…]", def: "none", help: "live: the LAN interfaces. JSON flows from them out of another interface say \"lan_direction\":\"upload\", into them \"download\". Without --interfaces, these are captured in both directions and nothing else: each LAN host's own address, for its uploads and downloads, before NAT" },
  { name: "wan", type: "string", arg: "IF[,IF…]", def: "any non-LAN interface", help: "live: the WAN interfaces: upload and download are then only flows between LAN and these" },
  { name: "user", type: "string", arg: "NAME", def: "none", help: "live, started as root: once the capture shim runs, flowprobe itself continues as this user (and its group); only the shim keeps the capture privileges" },
  { name: "capture", type: "string", arg: "shim|cap", def: "shim", help: "live: shim = the capture shim flowprobe-capture (TPACKET_V3 rings, kernel drop counts, re-attaches interfaces that come back; the Node process can be unprivileged); cap = libpcap through the npm package cap, in a child process of flowprobe restarted if it dies: a portable fallback, several times the CPU per packet (installed with npm install cap; needs the capture privileges itself; packets are stamped on arrival; no kernel drop counts; always promiscuous, frames for other hosts still skipped without --promisc)" },
  { name: "capture-helper", type: "string", arg: "PATH", def: "flowprobe-capture beside flowprobe", help: "live: the capture shim to run" },
  { name: "mac", type: "boolean", def: "off", help: "add each flow's source and destination MAC address, those of its first packet: IPFIX/NetFlow v9 fields 56 and 80, JSON src_mac and dst_mac (none on raw IP links). Not with NetFlow v5, which has no field for them" },
  { name: "format", type: "string", arg: "json", def: "json without --destination", help: "output: one JSON object per flow per line on standard output (goflow2 field names)" },
  { name: "destination", short: "d", type: "string", arg: "HOST:PORT[,…]", def: "none", help: "export flows to these collectors over UDP (IPv6: [addr]:port); each gets every record. A hostname is looked up at start and again whenever the collector's socket is made anew; one that cannot be reached (no route or name yet) is tried again every second" },
  { name: "protocol", type: "string", arg: "5|9|10", def: "10", help: "export protocol, ipt_NETFLOW's numbering: 5 = NetFlow v5 (IPv4 only), 9 = NetFlow v9, 10 = IPFIX" },
  { name: "engine-id", type: "string", arg: "N", def: "0", help: "IPFIX observation domain id / NetFlow v9 source id (0-4294967295); NetFlow v5 engine id (its low 8 bits)" },
  { name: "refresh-rate", type: "string", arg: "N", unit: "datagrams", def: "20", help: "send the templates to a collector again after this many datagrams" },
  { name: "timeout-rate", type: "string", arg: "N", unit: "minutes", def: "30", help: "send the templates to a collector again after this long" },
  { name: "mtu", type: "string", arg: "N", unit: "bytes", def: "1400", help: "largest UDP payload of an export datagram" },
  { name: "sndbuf", type: "string", arg: "N", unit: "bytes", def: "the system's", help: "socket send buffer size" },
  { name: "export-rate", type: "string", arg: "N", unit: "datagrams/s", def: "5000", help: "pace export to each collector (0 = unpaced), with bursts of at most 32 datagrams. A file is metered far faster than any link, and a datagram that overflows a collector's receive buffer is lost without a trace at the sender. At 5000/s (56 Mbit/s of 1400-byte datagrams, about 100,000 flows/s) a local nfcapd on its default buffers lost nothing in the export benchmark, also at 8000/s; unpaced it loses most" },
  { name: "maxflows", type: "string", arg: "N", unit: "flows", def: "2000000", help: `most flows in the cache; past it the least recently used is exported early ("lack of resources"). Memory grows with the flows actually seen: 96 bytes per flow slot plus 4 bytes per hash index entry; the default costs at most ${DEFAULT_CACHE}` },
  { name: "hashsize", type: "string", arg: "N", unit: "entries", def: "smallest power of two with maxflows at most 3/4 of it", help: "most hash index entries (rounded up to a power of two); the index starts at 4096 and doubles as flows arrive" },
  { name: "active-timeout", type: "string", arg: "S", unit: "seconds", def: "1800", help: "a flow is exported this long after its first packet, and continues as a new flow" },
  { name: "inactive-timeout", type: "string", arg: "S", unit: "seconds", def: "15", help: "a flow is exported after this long without a packet" },
  { name: "tcp-end-timeout", type: "string", arg: "S", unit: "seconds", def: String(DEFAULT_TCP_END_TIMEOUT_S), help: "a TCP flow that saw FIN or RST is exported after this long without a packet (at most the inactive timeout), so the last ACK and the other side's FIN still join it; a new SYN starts a new flow (0 = exported with the FIN or RST packet)" },
  { name: "seed", type: "string", arg: "N", unit: "64-bit integer", def: "random", help: "hash seed; fix it to make runs reproducible (the output is the same either way for a file)" },
  { name: "progress", type: "string", arg: "auto|never", def: "auto", help: "progress line on standard error while reading a file, only when it is a terminal" },
  { name: "no-summary", type: "boolean", def: "off", help: "do not print the summary on standard error at the end" },
  { name: "help", short: "h", type: "boolean", def: "off", help: "print this help and exit" },
  { name: "version", short: "V", type: "boolean", def: "off", help: "print the version and exit" },
];

export function helpText(version: string): string {
  const lines = [
    `flowprobe ${version} — flow meter and exporter for Linux gateways`,
    "",
    "usage: flowprobe -r FILE [options]            meter a capture file (- = standard input)",
    "       flowprobe -i IF[,IF…] [options]        capture live on interfaces",
    "       flowprobe … -d HOST:PORT [options]     export NetFlow v5/v9 or IPFIX to collectors (JSON lines on standard output without -d)",
    "",
    "options:",
  ];
  for (const s of SPECS) {
    const flag = `${s.short ? `-${s.short}, ` : "    "}--${s.name}${s.arg ? ` ${s.arg}` : ""}`;
    const unit = s.unit ? ` [${s.unit}]` : "";
    lines.push(`  ${flag}`);
    lines.push(`        ${s.help.replace(DEFAULT_CACHE, () => describeCache({ maxflows: DEFAULT_MAXFLOWS, hashsize: defaultHashsize(DEFAULT_MAXFLOWS) }))}${unit} (default: ${s.def})`);
  }
  lines.push("", "signals: SIGTERM, SIGINT: stop reading, export every active flow, exit (a second one exits at once);",
    "         SIGHUP: read the routes and interface names again; SIGUSR1: print the statistics so far on standard error");
  lines.push("", "exit status: 0 done; 1 a damaged capture (what came before it is still metered and written) or an I/O error; 2 a usage error;",
    "             70 an internal error (a bug in flowprobe: please report the line it printed)");
  return lines.join("\n") + "\n";
}

function integer(name: string, v: string, min: number, max: number): number {
  // a negative number is a value too: it gets its range, not a complaint about dashes
  if (/^-\d+$/.test(v)) throw new UsageError(`--${name} ${v}: out of range, expected ${min} to ${max}`);
  if (!/^\d+$/.test(v)) throw new UsageError(`--${name} ${JSON.stringify(v)}: expected a whole number from ${min} to ${max}`);
  const n = Number(v);
  if (n < min || n > max) throw new UsageError(`--${name} ${v}: out of range, expected ${min} to ${max}`);
  return n;
}

/** Edit distance (insertions, deletions, substitutions, swaps of neighbours): how close a typo is to an option. */
function distance(a: string, b: string): number {
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
  let best: string | undefined;
  let bestD = Infinity;
  for (const s of SPECS) {
    const dist = s.name.startsWith(name) && name.length >= 3 ? 0.5 : distance(name, s.name);
    if (dist < bestD) {
      bestD = dist;
      best = s.name;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(name.length / 4)) ? ` (did you mean --${best}?)` : "";
}

/**
 * The command line as option name → value (true for a flag). `--name value`, `--name=value`,
 * `-x value` and `-xvalue`. A value may begin with "-" only when it is "-" (standard input)
 * or a number (which then gets its range error); anything else after an option that needs a
 * value is taken for a forgotten value. An option given twice is refused: which one was meant
 * is not for flowprobe to guess.
 */
function scan(argv: string[]): Map<string, string | true> {
  const byName = new Map(SPECS.map((s) => [s.name, s]));
  const byShort = new Map(SPECS.filter((s) => s.short).map((s) => [s.short!, s]));
  const values = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    let spec: Spec | undefined;
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
    if (values.has(spec.name)) throw new UsageError(`--${spec.name} is given twice: give it once${spec.type === "string" ? " (lists are comma-separated)" : ""}`);
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

/** Options that only mean something when exporting to collectors. */
const EXPORT_ONLY = ["protocol", "engine-id", "refresh-rate", "timeout-rate", "mtu", "sndbuf", "export-rate"];

export function parseOptions(argv: string[]): Options {
  const given = scan(argv);
  const values = Object.fromEntries(given) as Record<string, string | boolean | undefined>;
  const str = (k: string) => values[k] as string | undefined;

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
  const protocolText = str("protocol") ?? "10";
  const protocols = { "5": "v5", "9": "v9", "10": "ipfix" } as const;
  if (!(protocolText in protocols)) throw new UsageError(`--protocol ${protocolText}: expected 5 (NetFlow v5), 9 (NetFlow v9) or 10 (IPFIX)`);
  const protocol = Number(protocolText) as 5 | 9 | 10;
  const format = destinations.length === 0 ? "json" : protocols[protocolText as keyof typeof protocols];
  if (values.mac && format === "v5") throw new UsageError("--mac with --protocol 5: NetFlow v5 records have no MAC fields (use 9 or 10)");
  const maxflows = str("maxflows") !== undefined ? integer("maxflows", str("maxflows")!, 1, MAXFLOWS_LIMIT) : DEFAULT_MAXFLOWS;
  const minHash = defaultHashsize(maxflows);
  let hashsize = minHash;
  if (str("hashsize") !== undefined) {
    const asked = integer("hashsize", str("hashsize")!, 16, 2 ** 30);
    hashsize = 16;
    while (hashsize < asked) hashsize *= 2;
    if (hashsize < minHash) {
      throw new UsageError(`--hashsize ${asked}: too small for --maxflows ${maxflows}; the index must be at least ${minHash} entries so it stays at most 3/4 full`);
    }
  }
  const inactive = str("inactive-timeout") !== undefined ? integer("inactive-timeout", str("inactive-timeout")!, 1, 86400) : 15;
  const active = str("active-timeout") !== undefined ? integer("active-timeout", str("active-timeout")!, 1, 604800) : 1800;
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
  const progress = str("progress") ?? "auto";
  if (progress !== "auto" && progress !== "never") throw new UsageError(`--progress ${progress}: expected auto or never`);
  const num = (name: string, def: number, min: number, max: number) => (str(name) !== undefined ? integer(name, str(name)!, min, max) : def);
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
    for (const live of ["promisc", "snaplen", "ring-size", "block-timeout", "direction", "filter", "capture", "capture-helper", "ifindex-map", "user"]) {
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
  const capture = str("capture") ?? "shim";
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
    snaplen: num("snaplen", 128, 64, 65535),
    ringMiB: num("ring-size", DEFAULT_RING_MIB, 2, 1024),
    blockTimeoutMs: num("block-timeout", DEFAULT_BLOCK_TIMEOUT_MS, 1, 10000),
    direction,
    filter: str("filter"),
    captureHelper: str("capture-helper"),
    capture,
    read: str("read"),
    format,
    destinations,
    protocol,
    engineId: num("engine-id", 0, 0, 0xffffffff),
    refreshRate: num("refresh-rate", 20, 1, 1_000_000),
    timeoutRateMin: num("timeout-rate", 30, 1, 1440),
    mtu: num("mtu", 1400, 576, 65507),
    sndbuf: num("sndbuf", 0, 0, 1 << 30),
    exportRate: num("export-rate", 5000, 0, 10_000_000),
    maxflows,
    hashsize,
    activeTimeoutS: active,
    inactiveTimeoutS: inactive,
    tcpEndTimeoutS: num("tcp-end-timeout", DEFAULT_TCP_END_TIMEOUT_S, 0, 86400),
    seed,
    seedGiven: seedText !== undefined,
    progress,
    summary: !values["no-summary"],
    help: Boolean(values.help),
    version: Boolean(values.version),
  };
}

function describeCache(o: Pick<Options, "maxflows" | "hashsize">): string {
  const mib = (n: number) => `${(n / 1048576).toFixed(1)} MiB`;
  const n = (v: number) => v.toLocaleString("en-US");
  return `${mib(cacheBytesAtMost(o))} for ${n(o.maxflows)} flows and a hash index of up to ${n(o.hashsize)} entries, allocated as flows arrive`;
}
export { describeCache };
