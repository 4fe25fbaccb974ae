// Room targets/: where a target's datagrams go — destination sets (this file), the UDP
// transport (udp.ts), pacing (pacer.ts) and the send queue (queue.ts). Never the meter.
//
// A target's destinations: the collectors its datagrams go to, as a set with a mode: mirror
// (each collector gets every datagram, and the core lays out one copy per collector) or
// round-robin (the core lays out each datagram for one collector in turn, passing over those
// marked down: round-robin.ts marks them). The send queue paces by the set's fan-out, the app
// opens and closes it whole.

import type { DestinationCounters } from "./udp";
import type { DestinationMode } from "../config/collectors";

/** What the set needs of a transport: send bytes, say when sent, close. */
export interface Transport {
  /** Name in the log and the summary ("host:port", "[v6]:port"). */
  readonly label: string;
  /** The address the name resolved to ("" before that). */
  readonly address: string;
  readonly collector: { host: string; port: number };
  readonly counters: DestinationCounters;
  /** Whether it receives now (udp.ts); round-robin gives one that does not no turns. */
  readonly receiving?: boolean;
  open(): Promise<void>;
  /** Sends one datagram (copied: the caller's bytes may be reused at once). */
  send(bytes: Uint8Array): void;
  /** Resolves when every send handed over so far has completed. */
  drained(): Promise<void>;
  close(): void;
}

export class DestinationSet<T extends Transport = Transport> {
  /** @param members the transports, in the core's destination numbering (see addDestination). */
  constructor(readonly members: readonly T[], readonly mode: DestinationMode = "mirror") {}

  get size(): number {
    return this.members.length;
  }

  /** How many of the core's datagram units make one datagram per collector (the pacing is
   * per collector): mirror, one per member (each gets every one); round-robin, one per member
   * that receives (they take turns). */
  get fanout(): number {
    if (this.mode === "round-robin") return Math.max(1, this.members.filter((d) => d.receiving !== false).length);
    return Math.max(1, this.members.length);
  }

  /** Transport number d (the core's destination number). */
  get(d: number): T {
    return this.members[d]!;
  }

  /** Opens every transport; when one fails to open, all are closed again. */
  async open(): Promise<void> {
    try {
      for (const d of this.members) await d.open();
    } catch (e) {
      this.close();
      throw e;
    }
  }

  /** Resolves when every transport has completed its sends. */
  async drained(): Promise<void> {
    await Promise.all(this.members.map((d) => d.drained()));
  }

  close(): void {
    for (const d of this.members) d.close();
  }
}
