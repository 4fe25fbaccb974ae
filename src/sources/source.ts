// Sources: where packets come from — a capture file (file.ts), the capture shim or the cap
// child (shim.ts; the child itself is cap.ts), conntrack later. Each fills the core's input
// region (a file's blocks read straight into it, or a batch of batch records) and meters it
// with one call per batch, behind this one small interface; the app (src/app.ts) starts it,
// runs it, ticks, stops it and reads its statistics.

import type { RingCounters } from "./rings";

export interface FileStatistics {
  kind: "file";
  /** Bytes of the file read so far. */
  bytes: number;
  /** The file's size, bytes; -1 for a stream (a pipe, standard input). */
  size: number;
}

export interface KernelCounters {
  /** Packets the kernel took for the rings (drops included). */
  packets: bigint;
  /** Packets the kernel dropped because a ring was full. */
  drops: bigint;
  /** Times a ring was frozen full. */
  freezes: bigint;
}

export interface LiveStatistics {
  kind: "live";
  /** Every interface's ring counts together (the shim's totals: the sum of `rings`). */
  kernel: KernelCounters;
  /** Per interface of -i, in its order, keyed by name (rings.ts): its ring counts over the run, closed spells included. With cap: packets libpcap gave, no drops or freezes (0). Empty before the first report. */
  rings: RingCounters[];
  /** ifindex → interface name, as the shim opened them. */
  interfaces: Map<number, string>;
  /** Times the shim was started again after it died. */
  restarts: number;
  /** shim, or cap: the libpcap child, which reports no drops (cap does not give libpcap's). */
  backend: "shim" | "cap";
  /** The kernel's time (ns since the epoch) of the first packet handed over since the last
   * tick: the first record of the first batch after it (0n: none yet). Read once per batch;
   * the rates take it for where a second's packets began after an idle spell. */
  firstPacketNs: bigint;
}

export type SourceStatistics = FileStatistics | LiveStatistics;

export interface Source {
  /** What the summary calls it: the file's name, "<stdin>", or "live IF,IF". */
  readonly label: string;
  /**
   * True when the source beats the tick itself: it calls its tick hook between two batches,
   * once a second (live capture, at the shim's statistics message, once the packets up to
   * then are handed over), and the tick may then age the meter. False when the app ticks it
   * by a timer, for host work only (a file: its aging follows packet time alone, so its
   * output stays the same from run to run).
   */
  readonly ticksItself: boolean;
  /** Opens the input (the file, the shim's executable); its errors are the user's. */
  start(): Promise<void>;
  /** Reads batch after batch into the core's input region and meters each with one call,
   * until the input ends or stop() is called. */
  run(): Promise<void>;
  /** Asks run() to end soon (SIGTERM): what was read is kept and metered. */
  stop(): void;
  /** What the source counted so far. */
  statistics(): SourceStatistics;
}
