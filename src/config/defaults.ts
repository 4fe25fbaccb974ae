// The defaults of every option that has one, written once: the option schema (schema.ts)
// takes its defaults and --help its "(default: …)" from here, the shim's command line and the
// cap child fall back to them (capture-args.ts), and the meter's library interface uses the
// TCP end timeout. Imports nothing, so any room may import it.

export const DEFAULTS = {
  /** Live: bytes of each packet the kernel hands over. */
  snaplen: 128,
  /** Live: the shim's ring per interface, MiB (1 MiB blocks). */
  ringMiB: 4,
  /** Live: how long a ring block that is not full may wait before it is handed over, ms. */
  blockTimeoutMs: 50,
  /** Live: the capture backend. */
  capture: "shim",
  /** Export protocol, ipt_NETFLOW's numbering (10 = IPFIX). */
  protocol: 10,
  /** IPFIX observation domain id / NetFlow v9 source id / v5 engine id. */
  engineId: 0,
  /** Templates again after this many datagrams to a collector. */
  refreshRate: 20,
  /** Templates again after this many minutes. */
  timeoutRateMin: 30,
  /** Largest datagram payload, bytes. */
  mtu: 1400,
  /** Socket send buffer, bytes (0 = the system's). */
  sndbuf: 0,
  /** Which collectors get each datagram: every one (mirror), or one each in turn (round-robin). */
  mode: "mirror",
  /** Datagrams per second to each collector (0 = unpaced). */
  exportRate: 5000,
  /** Most flows in the cache at once (ipt_NETFLOW's default). */
  maxflows: 2_000_000,
  /** Seconds after a flow's first packet before it is exported. */
  activeTimeoutS: 1800,
  /** Seconds without packets before a flow is exported. */
  inactiveTimeoutS: 15,
  /** A closing TCP connection's last packets (the final ACK, the other side's FIN) follow its
   * FIN or RST within a round trip or two: a flow that saw one waits this long, s. */
  tcpEndTimeoutS: 2,
  /** --stat-file is written this often, s. */
  statIntervalS: 5,
  /** Flood detection per target: packets per second of one flow, new flows per second of one source (0 = off). */
  floodPps: 0,
  floodNewFlows: 0,
  /** Seconds an alerted source (per kind and target) is not alerted again. */
  floodHoldoffS: 60,
  /** The progress line on a terminal. */
  progress: "auto",
} as const;

/** The TCP end timeout, s, under the name the meter's library interface imports. */
export const DEFAULT_TCP_END_TIMEOUT_S: number = DEFAULTS.tcpEndTimeoutS;
