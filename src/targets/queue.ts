// The export send queue: datagrams the core encoded wait here to be sent to their
// collectors at the paced rate (Pacer), so metering goes on while they wait. Live capture
// needs that: a host that waited for the pacer would stop reading the capture, and the
// kernel's ring — which rides out only so long a stall — would drop packets. Bounded: past
// its bound the producer waits. Live, the bound is LIVE_QUEUE_BYTES (a capture that outruns
// its collectors for longer than that is where the ring takes over); reading a file, whose
// reader can simply wait, it is FILE_QUEUE_BYTES, so a file is read at the pace of sending
// and SIGTERM stops the reading, not just the sending.

import { forEachDatagram } from "../sinks/units";
import { injectedFault } from "../fault";
import type { DestinationSet } from "./destinations";
import type { Pacer } from "./pacer";

/** Datagrams sent between pacing checks: small enough that no burst fills a collector's buffer. */
const PACE_GROUP = 16;
/** Most bytes waiting before a live capture must wait: at the default 5,000 datagrams/s of
 * 1,400 bytes, about 2.4 s of sending. */
export const LIVE_QUEUE_BYTES = 16 << 20;
/** The same for a file: a few pace groups. */
export const FILE_QUEUE_BYTES = 256 << 10;

/**
 * The queues waiting for room, by the stop signal that wakes them: one "abort" listener per
 * signal, however many queues share it (a listener per queue made Node warn of a leak —
 * MaxListenersExceededWarning — from eleven exporting targets on, and queues a reload drops
 * would have stayed referenced by the signal).
 */
const wakers = new WeakMap<AbortSignal, Set<() => void>>();

/** Calls `wake` once `signal` aborts, until `forget()` is called. */
function onAbort(signal: AbortSignal, wake: () => void): { forget(): void } {
  let set = wakers.get(signal);
  if (!set) {
    const waiting = new Set<() => void>();
    set = waiting;
    wakers.set(signal, waiting);
    signal.addEventListener("abort", () => {
      for (const w of [...waiting]) w();
      waiting.clear();
    }, { once: true });
  }
  set.add(wake);
  return { forget: () => void wakers.get(signal)?.delete(wake) };
}

export class SendQueue {
  private readonly queue: Array<[number, Buffer]> = [];
  private head = 0;
  private bytes = 0;
  private running = false;
  private pumping: Promise<void> = Promise.resolve();
  private roomWaiters: Array<() => void> = [];

  /** Member of the set for each core destination number; -1: another queue's. */
  private readonly local: Int32Array;

  /** `stop`: once aborted (SIGTERM), push no longer waits for room, so the reader can stop at
   * once; what it pushed is still sent (idle() waits for it). `ids`: the core's destination
   * number of each member of the set (default 0, 1, …); one queue per target takes its own
   * collectors' datagrams from a region that holds every target's, and paces them alone. */
  constructor(private readonly destinations: DestinationSet, private readonly pacer: Pacer, private readonly maxBytes: number, private readonly stop?: AbortSignal, ids?: readonly number[]) {
    const numbers = ids ?? destinations.members.map((_, i) => i);
    this.local = new Int32Array(Math.max(0, ...numbers) + 1).fill(-1);
    numbers.forEach((d, i) => (this.local[d] = i));
  }

  /** Takes the datagrams of a drained output region (copied: the region is reused). Resolves
   * at once, or once the queue is below its bound again. */
  async push(region: Uint8Array): Promise<void> {
    forEachDatagram(region, (d, datagram) => {
      const member = d < this.local.length ? this.local[d]! : -1;
      if (member < 0) return;
      this.queue.push([member, Buffer.from(datagram)]);
      this.bytes += datagram.length;
    });
    if (this.queue.length === this.head) return;
    if (this.queue.length - this.head > this.peakWaiting) this.peakWaiting = this.queue.length - this.head;
    if (!this.running && !this.failure) {
      this.running = true;
      this.pumping = this.pump();
    }
    if (this.bytes > this.maxBytes && !this.stop?.aborted) {
      // woken by room, or by the stop (then every waiter of this queue goes on)
      const stop = this.stop;
      const aborted = stop ? onAbort(stop, () => {
        for (const wake of this.roomWaiters.splice(0)) wake();
      }) : undefined;
      try {
        await new Promise<void>((resolve) => this.roomWaiters.push(resolve));
      } finally {
        aborted?.forget();
      }
    }
  }

  /** Resolves when every queued datagram has been handed to its socket; throws what stopped the sending, if anything did. */
  async idle(): Promise<void> {
    while (this.running) await this.pumping;
    if (this.failure) throw this.failure;
  }

  private gate: Promise<void> | undefined;

  /** Sends nothing until `p` settles (what is pushed meanwhile waits): a reload's new target
   * whose collectors may be its old self's, whose last datagrams — made by the old templates —
   * must reach them before the new templates do. */
  holdUntil(p: Promise<void>): void {
    this.gate = p.catch(() => undefined);
  }

  /** The most datagrams that waited at once (after a push), since start. */
  peakWaiting = 0;

  /** Bytes of the datagrams waiting now. */
  get waitingBytes(): number {
    return this.bytes;
  }

  /** Datagrams waiting now. */
  get waiting(): number {
    return this.queue.length - this.head;
  }

  private failure: unknown;

  /** Sends until the queue is empty. `running` is cleared in the same synchronous step as the
   * last emptiness check (the loop's exit runs the finally block without an await between),
   * so a datagram pushed at any time is either seen here or starts a new pump. */
  private async pump(): Promise<void> {
    // a datagram of the target becomes `fanout` units (mirror: one per collector): pace by
    // datagrams per collector
    const perCollector = this.destinations.fanout;
    try {
      if (this.gate) {
        await this.gate;
        this.gate = undefined;
      }
      while (this.head < this.queue.length) {
        const end = Math.min(this.queue.length, this.head + PACE_GROUP * perCollector);
        await this.pacer.take((end - this.head) / perCollector);
        injectedFault("send");
        while (this.head < end) {
          const [d, datagram] = this.queue[this.head]!;
          this.destinations.get(d).send(datagram);
          this.bytes -= datagram.length;
          this.head++;
        }
        if (this.head > 4096 && this.head * 2 > this.queue.length) {
          this.queue.splice(0, this.head);
          this.head = 0;
        }
        if (this.bytes <= this.maxBytes / 2) for (const wake of this.roomWaiters.splice(0)) wake();
      }
    } catch (e) {
      // nothing sends any more: a bug. idle() reports it to whoever waits for the end; the
      // process is told at once (an uncaught error: flowprobe exits 70 with one line) rather
      // than going on metering into a queue that never empties
      this.failure ??= e;
      setImmediate(() => {
        throw e;
      });
    } finally {
      this.running = false;
      if (this.head >= this.queue.length) {
        this.queue.length = 0; // no sent datagram stays referenced while the queue is idle
        this.head = 0;
      }
      for (const wake of this.roomWaiters.splice(0)) wake();
    }
  }
}
