// UDP transport: one connected socket per collector. A transport sends bytes and knows
// nothing of NetFlow. Connecting the socket makes the kernel report an ICMP
// port-unreachable from a collector that is down as ECONNREFUSED on a later send, so it is
// counted. Node queues UDP sends itself; the queue is bounded here and what overflows it
// is counted, never silently dropped.

import * as dgram from "node:dgram";
import * as dns from "node:dns/promises";
import { UsageError } from "../errors";

export interface DestinationCounters {
  /** Datagrams handed to send(): sent + every failure kind below. */
  attempted: number;
  sent: number;
  bytes: number;
  /** The collector's host answered port unreachable (nothing listens). */
  refused: number;
  /** Dropped because Node's send queue for this socket was at its bound. */
  queueFull: number;
  /** Any other send error (its last message is in lastError). */
  other: number;
  lastError: string;
}

export interface Collector {
  host: string;
  port: number;
}

/** Parses "host:port[,host:port…]"; IPv6 literals in brackets: "[::1]:2055". */
export function parseCollectors(text: string, option = "--destination"): Collector[] {
  return text.split(",").map((part) => {
    const m = /^\[([^\]]+)\]:(\d+)$/.exec(part) ?? /^([^:[\]]+):(\d+)$/.exec(part);
    if (!m) throw new UsageError(`${option} ${JSON.stringify(part)}: expected host:port, or [IPv6]:port`);
    const port = Number(m[2]);
    if (port < 1 || port > 65535) throw new UsageError(`${option} ${part}: port ${port} is out of range 1-65535`);
    return { host: m[1]!, port };
  });
}

/** Sends still in Node's queue per socket before further datagrams are counted as dropped. */
export const SEND_QUEUE_MAX = 1024;

export class UdpDestination {
  readonly counters: DestinationCounters = { attempted: 0, sent: 0, bytes: 0, refused: 0, queueFull: 0, other: 0, lastError: "" };
  private socket: dgram.Socket | undefined;
  private inFlight = 0;
  private idle: (() => void)[] = [];
  address = "";

  constructor(readonly collector: Collector, private readonly sndbuf = 0) {}

  get label(): string {
    return this.collector.host.includes(":") ? `[${this.collector.host}]:${this.collector.port}` : `${this.collector.host}:${this.collector.port}`;
  }

  /** Resolves the host (once) and connects the socket. */
  async open(): Promise<void> {
    let address: string;
    let family: number;
    try {
      ({ address, family } = await dns.lookup(this.collector.host));
    } catch (e) {
      throw new UsageError(`--destination ${this.label}: cannot resolve ${this.collector.host} (${(e as Error).message})`);
    }
    this.address = address;
    const socket = dgram.createSocket({ type: family === 6 ? "udp6" : "udp4" });
    socket.on("error", (err) => this.failed(err as NodeJS.ErrnoException));
    await new Promise<void>((resolve, reject) => {
      socket.once("error", reject);
      socket.connect(this.collector.port, address, () => {
        socket.off("error", reject);
        resolve();
      });
    });
    if (this.sndbuf > 0) socket.setSendBufferSize(this.sndbuf);
    this.socket = socket;
  }

  /** Sends one datagram (copied: the caller's bytes may be reused at once). */
  send(bytes: Uint8Array): void {
    this.counters.attempted++;
    if (!this.socket || this.inFlight >= SEND_QUEUE_MAX) {
      this.counters.queueFull++;
      return;
    }
    this.inFlight++;
    const copy = Buffer.from(bytes);
    this.socket.send(copy, (err) => {
      this.inFlight--;
      if (err) this.failed(err as NodeJS.ErrnoException);
      else {
        this.counters.sent++;
        this.counters.bytes += copy.length;
      }
      if (this.inFlight === 0) for (const wake of this.idle.splice(0)) wake();
    });
  }

  private failed(err: NodeJS.ErrnoException): void {
    if (err.code === "ECONNREFUSED") this.counters.refused++;
    else {
      this.counters.other++;
      this.counters.lastError = err.message;
    }
  }

  /** Resolves when every send handed over so far has completed. */
  drained(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  close(): void {
    this.socket?.close();
    this.socket = undefined;
  }
}

/**
 * Paces datagrams to `rate` per second (0 = unpaced): a file is metered far faster than any
 * link, and a datagram that overflows a collector's receive buffer is lost without a trace
 * at the sender. Time is injected for tests.
 */
export class Pacer {
  private tokens: number;
  private last = -1;

  /** `burst`: datagrams that may go back to back after a pause (the bucket's size). */
  constructor(
    private readonly rate: number,
    private readonly burst = 32,
    private readonly now: () => number = () => performance.now(),
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {
    this.tokens = burst;
  }

  /**
   * Takes n datagrams' worth from a token bucket; resolves when they may go. Time the
   * sender spent metering does not pile up as credit beyond `burst`: a catch-up burst after
   * a pause is exactly what overflows a collector's receive buffer.
   */
  async take(n: number): Promise<void> {
    if (this.rate <= 0 || n === 0) return;
    const t = this.now();
    if (this.last >= 0) this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) * this.rate) / 1000);
    this.last = t;
    this.tokens -= n;
    if (this.tokens < 0) {
      const wait = (-this.tokens / this.rate) * 1000;
      await this.sleep(wait);
      this.tokens = 0;
      this.last = t + wait;
    }
  }
}
