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
  /** Times the socket was re-created after an error that leaves it unusable. */
  reopened: number;
}

/**
 * Send errors after which a connected socket may stay unusable until it is re-created: its
 * source address went away (a PPPoE or DHCP WAN address that changed: EINVAL,
 * EADDRNOTAVAIL) or its route did. A refused send (collector down) and a full buffer do not.
 */
const REOPEN_ON = new Set(["EINVAL", "EADDRNOTAVAIL", "ENETUNREACH", "EHOSTUNREACH", "ENETDOWN", "EBADF", "ENOTCONN", "EPIPE"]);
/** Least time between two attempts to re-create a socket, ms. */
export const REOPEN_INTERVAL_MS = 1000;

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
  readonly counters: DestinationCounters = { attempted: 0, sent: 0, bytes: 0, refused: 0, queueFull: 0, other: 0, lastError: "", reopened: 0 };
  private socket: dgram.Socket | undefined;
  private inFlight = 0;
  private idle: (() => void)[] = [];
  /** An error left the socket unusable: re-create it (maintain()). */
  private broken = false;
  private lastAttempt = -Infinity;
  address = "";
  /** Called after the socket was re-created: the collector must get the templates again. */
  onReopen: () => void = () => {};

  constructor(
    readonly collector: Collector,
    private readonly sndbuf = 0,
    private readonly now: () => number = () => performance.now(),
  ) {}

  get label(): string {
    return this.collector.host.includes(":") ? `[${this.collector.host}]:${this.collector.port}` : `${this.collector.host}:${this.collector.port}`;
  }

  /** Resolves the host and connects the socket; a name that does not resolve is a usage error. */
  async open(): Promise<void> {
    try {
      this.socket = await this.connect();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).syscall === "getaddrinfo") {
        throw new UsageError(`--destination ${this.label}: cannot resolve ${this.collector.host} (${(e as Error).message})`);
      }
      throw e;
    }
  }

  /** A new socket connected to the collector (its name resolved again). */
  private async connect(): Promise<dgram.Socket> {
    const { address, family } = await dns.lookup(this.collector.host);
    this.address = address;
    const socket = dgram.createSocket({ type: family === 6 ? "udp6" : "udp4" });
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once("error", reject);
        socket.connect(this.collector.port, address, () => {
          socket.off("error", reject);
          resolve();
        });
      });
    } catch (e) {
      socket.close();
      throw e;
    }
    socket.on("error", (err) => this.failed(err as NodeJS.ErrnoException));
    if (this.sndbuf > 0) socket.setSendBufferSize(this.sndbuf);
    return socket;
  }

  /**
   * Call before sending: when an error left the socket unusable, re-creates it (at most once
   * every REOPEN_INTERVAL_MS; the old socket keeps sending, and failing, until a new one is
   * connected), then calls onReopen so the templates go out again. Never throws: a failed
   * attempt is counted as an error and tried again later.
   */
  async maintain(): Promise<void> {
    if (!this.broken || this.now() - this.lastAttempt < REOPEN_INTERVAL_MS) return;
    this.lastAttempt = this.now();
    let socket: dgram.Socket;
    try {
      socket = await this.connect();
    } catch (e) {
      this.counters.lastError = `re-creating the socket: ${(e as Error).message}`;
      return;
    }
    const old = this.socket;
    this.socket = socket;
    this.broken = false;
    this.counters.reopened++;
    old?.close();
    this.onReopen();
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
      if (err.code !== undefined && REOPEN_ON.has(err.code)) this.broken = true;
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
