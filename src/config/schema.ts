// The option schema: one definition per option, with its type, unit, default, range and help
// text. The command line (options.ts, argv.ts) and --help (help.ts) are made from it, and so
// will the JSON config file and the UCI file be; the defaults come from DEFAULTS, once.

import { MAXFLOWS_LIMIT } from "../../assembly/layout";
import { DEFAULTS } from "./defaults";

export interface OptionSpec {
  /** The long option (--name); also the key the config file will use. */
  readonly name: string;
  /** The one-letter option (-x), if any. */
  readonly short?: string;
  /** A switch (no value), a whole number within `range`, or text. */
  readonly type: "boolean" | "integer" | "string";
  /** The value's placeholder in --help and in "needs a value" errors. */
  readonly arg?: string;
  /** The unit --help gives in brackets. */
  readonly unit?: string;
  /** Smallest and largest value of an integer option. */
  readonly range?: readonly [number, number];
  /** The value when the option is not given (from DEFAULTS). */
  readonly default?: number | string;
  /** What --help says the default is when it is no plain value ("none", "random", …). */
  readonly defaultText?: string;
  /** Only meaningful with live capture (--interfaces), or only with export (--destination). */
  readonly scope?: "live" | "export";
  /** Only on the command line: no key of the config file (help, version, config itself). */
  readonly cliOnly?: true;
  readonly help: string;
}

/** Stands in the help text of --maxflows for what the default cache costs: written when
 * --help is asked for, not at load (see help.ts). */
export const DEFAULT_CACHE = "{default cache}";

/** Every option, in the order --help lists them. */
export const OPTIONS: readonly OptionSpec[] = [
  { name: "config", type: "string", arg: "FILE", defaultText: "none", cliOnly: true, help: "read the options and the targets from this JSON file (docs/config.md): every option below under its name in snake_case (ring_size, inactive_timeout, …), and \"targets\", each with its own protocol, collectors, timeouts and cache. An option also given on the command line takes the command line's value" },
  { name: "read", short: "r", type: "string", arg: "FILE", defaultText: "none", help: "meter this capture file (pcap or pcapng; - reads standard input)" },
  { name: "interfaces", short: "i", type: "string", arg: "IF[,IF…]|any", defaultText: "none", help: "capture live on these interfaces through the capture shim flowprobe-capture (which needs CAP_NET_RAW); any = every interface" },
  { name: "promisc", type: "boolean", defaultText: "off", scope: "live", help: "live: set the interfaces promiscuous and meter frames addressed to other hosts (a SPAN or mirror port); without it they are skipped and counted" },
  { name: "snaplen", type: "integer", arg: "N", unit: "bytes", range: [64, 65535], default: DEFAULTS.snaplen, scope: "live", help: "live: bytes of each packet the kernel hands over (headers only are needed)" },
  { name: "ring-size", type: "integer", arg: "N", unit: "MiB", range: [2, 1024], default: DEFAULTS.ringMiB, scope: "live", help: "live: the kernel ring of each interface (1 MiB blocks; 2 to 1024; with --capture cap, libpcap's buffer). A larger ring rides out longer bursts without drops" },
  { name: "block-timeout", type: "integer", arg: "MS", unit: "milliseconds", range: [1, 10000], default: DEFAULTS.blockTimeoutMs, scope: "live", help: "live: a ring block that is not full is handed over after this long, so a quiet link still delivers its packets (1 to 10000)" },
  { name: "direction", type: "string", arg: "in|both", defaultText: "in; both with --lan alone", scope: "live", help: "live: in = arriving packets only, so a router counts each forwarded packet once; both = sent packets too (a host)" },
  { name: "filter", type: "string", arg: "EXPR", defaultText: "none", scope: "live", help: "live: tcpdump-style filter (pcap-filter(7)), compiled by libpcap for each interface's link type (Ethernet, or raw IP on PPP and tunnels; not with any) and run in the kernel" },
  { name: "ifindex-map", type: "string", arg: "NAME=N[,…]", defaultText: "none", scope: "live", help: "live: the interface numbers flows carry, by name, instead of the kernel's ifindex (a ppp0 that gets a new ifindex at every reconnect keeps its number at the collector)" },
  { name: "lan", type: "string", arg: "IF[,IF…]", defaultText: "none", help: "live: the LAN interfaces. JSON flows from them out of another interface say \"lan_direction\":\"upload\", into them \"download\". Without --interfaces, these are captured in both directions and nothing else: each LAN host's own address, for its uploads and downloads, before NAT" },
  { name: "wan", type: "string", arg: "IF[,IF…]", defaultText: "any non-LAN interface", help: "live: the WAN interfaces: upload and download are then only flows between LAN and these" },
  { name: "user", type: "string", arg: "NAME", defaultText: "none", scope: "live", help: "live, started as root: once the capture shim runs, flowprobe itself continues as this user (and its group); only the shim keeps the capture privileges" },
  { name: "capture", type: "string", arg: "shim|cap", default: DEFAULTS.capture, scope: "live", help: "live: shim = the capture shim flowprobe-capture (TPACKET_V3 rings, kernel drop counts, re-attaches interfaces that come back; the Node process can be unprivileged); cap = libpcap through the npm package cap, in a child process of flowprobe restarted if it dies: a portable fallback, several times the CPU per packet (installed with npm install cap; needs the capture privileges itself; packets are stamped on arrival; no kernel drop counts; always promiscuous, frames for other hosts still skipped without --promisc)" },
  { name: "capture-helper", type: "string", arg: "PATH", defaultText: "flowprobe-capture beside flowprobe", scope: "live", help: "live: the capture shim to run" },
  { name: "mac", type: "boolean", defaultText: "off", help: "add each flow's source and destination MAC address, those of its first packet: IPFIX/NetFlow v9 fields 56 and 80, JSON src_mac and dst_mac (none on raw IP links). Not with NetFlow v5, which has no field for them" },
  { name: "select", type: "string", arg: "EXPR", defaultText: "every packet", help: "meter only the packets this selector chooses, judged on the parsed headers (so VLAN tags, PPPoE and MPLS do not shift it) and counted as not selected otherwise: [src|dst] host ADDR, [src|dst] net CIDR, [src|dst] port N[-M], proto tcp|udp|icmp|icmp6|sctp|N (or tcp, udp, …), ip, ip6, vlan [N], inif NAME|N, outif NAME|N, with not/!, and/&&, or/||, parentheses; and and or bind equally, left to right, as in tcpdump" },
  { name: "counter", type: "string", arg: "NAME=EXPR[,…]", defaultText: "none", cliOnly: true, help: "named counters, as nfacct's: packets and IP bytes of the packets each selector chooses (the --select language; NAME= counts every packet), whatever the targets select; NAME is 1 to 32 letters, digits, - or _. Read, and read and zeroed at once, with flowprobe counters [--reset] [NAME…]. The config file gives them as \"counters\": { \"NAME\": \"EXPR\", … }" },
  { name: "as-file", type: "string", arg: "FILE", defaultText: "none", help: "AS numbers by prefix, for each flow's source and destination AS and prefix length by longest match (IPFIX/NetFlow v9 fields 16, 17, 9, 13, 29, 30; NetFlow v5's src_as, dst_as and masks, a 4-byte AS as AS_TRANS 23456; JSON src_as, dst_as, src_net, dst_net): pmacct's networks_file lines [LABEL,][NEXTHOP,][[PEER_AS_]AS,]PREFIX, or PREFIX<TAB>AS; IPv4 and IPv6; ! and # start comments. Read again at SIGHUP" },
  { name: "format", type: "string", arg: "json", defaultText: "json without --destination", help: "output: one JSON object per flow per line on standard output (goflow2 field names)" },
  { name: "destination", short: "d", type: "string", arg: "HOST:PORT[,…]", defaultText: "none", help: "export flows to these collectors over UDP (IPv6: [addr]:port); each gets every record, or they take turns (--mode). A hostname is looked up at start and again whenever the collector's socket is made anew; one that cannot be reached (no route or name yet) is tried again every second" },
  { name: "mode", type: "string", arg: "mirror|round-robin", default: DEFAULTS.mode, scope: "export", help: "how the datagrams go to the collectors: mirror = each collector gets every datagram; round-robin = each datagram goes to one collector in turn (they share the load), passing over one that cannot be reached or refuses until it receives again; every collector gets the templates and options records with its own sequence numbers, so each decodes its share on its own" },
  { name: "protocol", type: "string", arg: "5|9|10", default: String(DEFAULTS.protocol), scope: "export", help: "export protocol, ipt_NETFLOW's numbering: 5 = NetFlow v5 (IPv4 only), 9 = NetFlow v9, 10 = IPFIX" },
  { name: "engine-id", type: "integer", arg: "N", range: [0, 0xffffffff], default: DEFAULTS.engineId, scope: "export", help: "IPFIX observation domain id / NetFlow v9 source id (0-4294967295); NetFlow v5 engine id (its low 8 bits)" },
  { name: "refresh-rate", type: "integer", arg: "N", unit: "datagrams", range: [1, 1_000_000], default: DEFAULTS.refreshRate, scope: "export", help: "send the templates to a collector again after this many datagrams" },
  { name: "timeout-rate", type: "integer", arg: "N", unit: "minutes", range: [1, 1440], default: DEFAULTS.timeoutRateMin, scope: "export", help: "send the templates to a collector again after this long" },
  { name: "mtu", type: "integer", arg: "N", unit: "bytes", range: [576, 65507], default: DEFAULTS.mtu, scope: "export", help: "largest UDP payload of an export datagram" },
  { name: "sndbuf", type: "integer", arg: "N", unit: "bytes", range: [0, 1 << 30], default: DEFAULTS.sndbuf, defaultText: "the system's", scope: "export", help: "socket send buffer size" },
  { name: "export-rate", type: "integer", arg: "N", unit: "datagrams/s", range: [0, 10_000_000], default: DEFAULTS.exportRate, scope: "export", help: "pace export to each collector (0 = unpaced), with bursts of at most 32 datagrams. A file is metered far faster than any link, and a datagram that overflows a collector's receive buffer is lost without a trace at the sender. At 5000/s (56 Mbit/s of 1400-byte datagrams, about 100,000 flows/s) a local nfcapd on its default buffers lost nothing in the export benchmark, also at 8000/s; unpaced it loses most" },
  { name: "fields", type: "string", arg: "NAME[,…]", defaultText: "the default template set", help: "IPFIX and NetFlow v9: the fields of the templates, in order, by IPFIX name (sourceIPv4Address, octetDeltaCount, …) or NetFlow v9 name (IPV4_SRC_ADDR, IN_BYTES, …), case-insensitive. An address field of one family brings the other's (sourceIPv4Address: sourceIPv6Address in the IPv6 templates). The key fields named (addresses, ports and ICMP type/code, protocol, ToS, input interface, VLANs) define a flow; one left out does not split flows (no ports: one flow per host pair and protocol, and TCP FIN/RST does not end it). JSON lines: the keys of each line, in the list's order and no others, by element name or by the line's own key names (src_addr, bytes, etype, lan_direction, …), and the key they make. Not with NetFlow v5, whose record is fixed" },
  { name: "aggregation", type: "string", arg: "RULE[,…]", defaultText: "none", help: "aggregate flows as ipt_NETFLOW does: netmask rules NET/LEN=LEN (192.0.0.0/8=16 keys an address of 192.0.0.0/8 by its first 16 bits; 2001:db8::/32=48) and port rules PORT[-PORT]=PORT (80-89=80; TCP, UDP, UDP-Lite and SCTP, not ICMP), for source and destination alike; each kind is tried in order and the first match wins. Aggregated flows meet in the cache, and TCP FIN/RST does not end them: only the timeouts do" },
  { name: "maxflows", type: "integer", arg: "N", unit: "flows", range: [1, MAXFLOWS_LIMIT], default: DEFAULTS.maxflows, help: `most flows in the cache; past it the least recently used is exported early ("lack of resources"). Memory grows with the flows actually seen: 96 bytes per flow slot plus 4 bytes per hash index entry; the default costs at most ${DEFAULT_CACHE}` },
  { name: "hashsize", type: "integer", arg: "N", unit: "entries", range: [16, 2 ** 30], defaultText: "smallest power of two with maxflows at most 3/4 of it", help: "most hash index entries (rounded up to a power of two); the index starts at 4096 and doubles as flows arrive" },
  { name: "active-timeout", type: "integer", arg: "S", unit: "seconds", range: [1, 604800], default: DEFAULTS.activeTimeoutS, help: "a flow is exported this long after its first packet, and continues as a new flow" },
  { name: "inactive-timeout", type: "integer", arg: "S", unit: "seconds", range: [1, 86400], default: DEFAULTS.inactiveTimeoutS, help: "a flow is exported after this long without a packet" },
  { name: "tcp-end-timeout", type: "integer", arg: "S", unit: "seconds", range: [0, 86400], default: DEFAULTS.tcpEndTimeoutS, help: "a TCP flow that saw FIN or RST is exported after this long without a packet (at most the inactive timeout), so the last ACK and the other side's FIN still join it; a new SYN starts a new flow (0 = exported with the FIN or RST packet)" },
  { name: "flood-pps", type: "integer", arg: "N", unit: "packets/s", range: [0, 1_000_000_000], default: DEFAULTS.floodPps, defaultText: "off", help: "flood detection: alert when one flow has more than N packets in one second of meter time (packet time for --read, wall time live); 0 = off. A config file's target may give its own (flood_pps)" },
  { name: "flood-new-flows", type: "integer", arg: "N", unit: "flows/s", range: [0, 1_000_000_000], default: DEFAULTS.floodNewFlows, defaultText: "off", help: "flood detection: alert when one source address creates more than N new flows in one second (a scan or a SYN flood), counted in a 16 KiB count-min sketch per target; 0 = off. A config file's target may give its own (flood_new_flows)" },
  { name: "flood-holdoff", type: "integer", arg: "S", unit: "seconds", range: [1, 86400], default: DEFAULTS.floodHoldoffS, help: "an alerted source is logged (and its --flood-action run) once per this long, per kind and target; repeats in between are counted only" },
  { name: "flood-action", type: "string", arg: "\"PROGRAM ARG…\"", defaultText: "none", help: "run this program for each logged flood alert, with {addr}, {kind} (pps or new-flows) and {target} replaced in its arguments (split once at start with sh-like quoting; no shell runs, so an address cannot inject anything), at most 10 a second; its exit status is logged. After --user it runs as that user: see docs/flood.md for nft with sudo" },
  { name: "seed", type: "string", arg: "N", unit: "64-bit integer", defaultText: "random", help: "hash seed; fix it to make runs reproducible (the output is the same either way for a file)" },
  { name: "control", type: "string", arg: "PATH", defaultText: "none", help: "open a control socket here (a unix socket, mode 0600; the service sets /run/flowprobe/flowprobe.sock): flowprobe stat and flowprobe ctl VERB talk to it, one JSON object per line each way (docs/control.md). flowprobe refuses to start while another running flowprobe holds the path, reuses a file left by one that was killed, and removes it at exit" },
  { name: "stat-file", type: "string", arg: "PATH", defaultText: "none", help: "write the stat text (as flowprobe stat prints it) to this file every --stat-interval seconds, atomically (a temporary file beside it, renamed over it)" },
  { name: "stat-interval", type: "integer", arg: "S", unit: "seconds", range: [1, 3600], default: DEFAULTS.statIntervalS, help: "how often --stat-file is written" },
  { name: "progress", type: "string", arg: "auto|never", default: DEFAULTS.progress, help: "progress line on standard error while reading a file, only when it is a terminal" },
  { name: "metrics", type: "string", arg: "[HOST:]PORT", defaultText: "none", help: "serve the statistics at http://HOST:PORT/metrics in the Prometheus text format (docs/metrics.md), as read once a second: a port alone listens on loopback (127.0.0.1) only; 0.0.0.0:PORT or [::]:PORT on every address. A port in use is an error at start" },
  { name: "no-summary", type: "boolean", defaultText: "off", help: "do not print the summary on standard error at the end" },
  { name: "help", short: "h", type: "boolean", defaultText: "off", cliOnly: true, help: "print this help and exit" },
  { name: "version", short: "V", type: "boolean", defaultText: "off", cliOnly: true, help: "print the version and exit" },
];

/** The config file's key of an option: its long name in snake_case (--ring-size: ring_size). */
export function fileKey(s: OptionSpec): string {
  return s.name.replace(/-/g, "_");
}

/** The option of this long name. */
export function optionNamed(name: string): OptionSpec {
  const s = OPTIONS.find((o) => o.name === name);
  if (!s) throw new Error(`no option --${name} in the schema`);
  return s;
}

/** What --help gives as the default. */
export function defaultText(s: OptionSpec): string {
  return s.defaultText ?? String(s.default);
}
