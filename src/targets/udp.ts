// UDP transport: one connected socket per collector. A transport sends bytes and knows
// nothing of NetFlow. Connecting the socket makes the kernel report an ICMP
// port-unreachable from a collector that is down as ECONNREFUSED, so it is counted. Node
// queues UDP sends itself; the queue is bounded here and what overflows it is counted, never
// silently dropped.
//
// What each figure means (the summary prints them; every datagram is in exactly one):
//   datagrams = sent (handed to the kernel) + not sent, by reason:
//     refused      the send returned ECONNREFUSED: the kernel held a port unreachable from
//                  the collector and gave it back instead of sending this datagram
//     unreachable  no route, no usable source address, the host unreachable, or the collector
//                  down (not reachable yet, or its name does not resolve yet): not sent
//     buffer full  EAGAIN/ENOBUFS: the socket's send buffer was full
//     queue full   Node's send queue for the socket was at SEND_QUEUE_MAX
//     other        any other send error (the last one's message is kept)
//   Reports from the network come on their own: "port unreachable" counts every ICMP port
//   unreachable the kernel reported (on the socket, or as a refused send); "host unreachable"
//   the ICMP host/net unreachables. Such a report refers to an earlier datagram, which the
//   kernel had already sent, so it is not charged to any datagram.
//
// A collector that cannot be reached at all — no route yet on a gateway that boots before
// its WAN or VPN, a name that does not resolve (yet), a link-local address without a usable
// scope, a source address that went away — is down: its datagrams are counted as unreachable, the socket is made again at once
// and then every RETRY_INTERVAL_MS, and when that works the collector is up and gets the
// templates with its next datagram (needsTemplates). One log line when it goes down, one when
// it is back. A collector that refuses gets the templates with the next datagram after each
// refusal, so the first datagram it takes once it listens again can be decoded.
//
// Receiving: a collector receives while it is up and has had no refusal or unreachable report
// since the rule above last said it receives again (QUIET_MS). onReceiving hears each change:
// a round-robin target (targets/round-robin.ts) gives a collector that does not receive no
// turns. That collector then gets no datagrams to show it is back, so while it does not
// receive, with `probe` set, it gets an empty UDP datagram every RETRY_INTERVAL_MS instead: a
// closed port answers it with the same ICMP port unreachable, and a listening collector
// takes it as nothing (nfcapd counts it neither as a packet nor as a bad one). Probes are
// counted apart (`probes`), never as datagrams.

import * as dgram from "node:dgram";
import * as dns from "node:dns/promises";
import type { Collector } from "../config/collectors";

export interface DestinationCounters {
  /** Datagrams given to this collector: sent + every not-sent reason (once nothing is in flight). */
  datagrams: number;
  /** Handed to the kernel. */
  sent: number;
  bytes: number;
  /** Not sent: a port unreachable was pending (ECONNREFUSED at the send). */
  refused: number;
  /** Not sent: no route or address, host unreachable, or the collector down. */
  unreachable: number;
  /** Not sent: the socket's send buffer was full (EAGAIN, ENOBUFS). */
  bufferFull: number;
  /** Not sent: Node's send queue for this socket was at its bound. */
  queueFull: number;
  /** Not sent: any other send error (its last message is in lastError). */
  other: number;
  lastError: string;
  /** ICMP port unreachables the kernel reported for this socket (on a send or on its own). */
  portUnreachable: number;
  /** ICMP host or network unreachables the kernel reported. */
  hostUnreachable: number;
  /** Times the socket was made again after the collector was down. */
  reopened: number;
  /** Times the collector went down (it could not be reached at all). */
  downs: number;
  /** Empty datagrams sent to learn whether a collector that did not receive is back (not datagrams: see the head of this file). */
  probes: number;
}

/** Send errors that leave the collector unreachable from this host until a new socket is
 * connected: the interface down, the source address gone (a PPPoE or DHCP WAN address that
 * changed: EINVAL, EADDRNOTAVAIL), and a socket that broke. ENETUNREACH and EHOSTUNREACH at a
 * send are either a missing route (down) or an ICMP from a router on the way (a report): a
 * test connect tells (unreachableSend). A refused send and a full buffer leave it up. Any
 * error of a connect makes it down. */
const DOWN_ON = new Set(["EINVAL", "EADDRNOTAVAIL", "ENETDOWN", "EBADF", "ENOTCONN", "EPIPE", "ERR_SOCKET_DGRAM_NOT_RUNNING"]);
/** Of those, the ones that mean "unreachable" rather than "other" in the counters. */
const UNREACHABLE = new Set(["EINVAL", "EADDRNOTAVAIL", "ENETDOWN"]);
/** Time between two attempts to connect a collector that is down, ms. */
export const RETRY_INTERVAL_MS = 1000;
/** A collector that refused (or was reported unreachable) is said to receive again after this long without such a report while datagrams went to it. */
export const QUIET_MS = 5000;
/** ... the first of those datagrams at least this long ago: its report, if any, has had time to come back. */
const RTT_MARGIN_MS = 1000;
/** Least time between two log lines about other send errors of one collector. */
const ERROR_LOG_MS = 60_000;

/** What each errno means to an operator, for the log. */
const WHY: Record<string, string> = {
  ENETUNREACH: "no route to it", EHOSTUNREACH: "host unreachable", ENETDOWN: "the interface to it is down",
  EADDRNOTAVAIL: "no usable source address", EINVAL: "no usable address (a link-local address needs a scope: [fe80::1%eth0]:port)",
  EAI_AGAIN: "its name does not resolve yet (no DNS server answers)", ENOTFOUND: "its name does not resolve: check the spelling, or the DNS it needs may not be up yet",
  EBADF: "the socket broke", ENOTCONN: "the socket broke", EPIPE: "the socket broke",
};

/** Sends still in Node's queue per socket before further datagrams are counted as dropped. */
export const SEND_QUEUE_MAX = 1024;

export interface DestinationOptions {
  /** Socket send buffer, bytes (0 = the system's). */
  sndbuf?: number;
  /** Where the collector's state changes are said (one line each, without a newline). */
  onLog?: (line: string) => void;
  /** Clock, ms (injected for tests). */
  now?: () => number;
}

export class UdpDestination {
  readonly counters: DestinationCounters = {
    datagrams: 0, sent: 0, bytes: 0, refused: 0, unreachable: 0, bufferFull: 0, queueFull: 0, other: 0, lastError: "",
    portUnreachable: 0, hostUnreachable: 0, reopened: 0, downs: 0, probes: 0,
  };
  private socket: dgram.Socket | undefined;
  private inFlight = 0;

  /**
   * The socket's figures now (0 with no socket): `sndbuf` its send buffer as the kernel gives
   * SO_SNDBUF (Linux reports twice what was set: its bookkeeping overhead); `nodeQueueBytes`
   * and `nodeQueueCount` Node's own send queue of it (getSendQueueSize/Count: datagrams given
   * to send() that libuv has not yet handed the kernel). What waits in the kernel's buffer is
   * not among them: Node gives no SIOCOUTQ.
   */
  socketFigures(): { sndbuf: number; nodeQueueBytes: number; nodeQueueCount: number } {
    const s = this.socket;
    if (!s) return { sndbuf: 0, nodeQueueBytes: 0, nodeQueueCount: 0 };
    let sndbuf = 0;
    try {
      sndbuf = s.getSendBufferSize();
    } catch {
      // (a socket being closed has none)
    }
    return { sndbuf, nodeQueueBytes: s.getSendQueueSize(), nodeQueueCount: s.getSendQueueCount() };
  }
  private idle: (() => void)[] = [];
  /** Why the collector is down (an errno), or undefined while it is up. */
  private downBecause: string | undefined = "ENOTCONN";
  private downSince = 0;
  /** Whether a socket ever connected (then "again" when it comes back). */
  private everUp = false;
  private connecting = false;
  /** A test connect is running (is a no-route send error local, or an ICMP from afar?). */
  private probing = false;
  private closed = false;
  private timer: NodeJS.Timeout | undefined;
  /** Reports from the network in progress: when the last came (-1: none), and when the first
   * datagram after it was sent (-1: none yet). */
  private readonly trouble = { refused: { at: -1, sentAt: -1 }, unreachable: { at: -1, sentAt: -1 } };
  private lastErrorLog = -Infinity;
  address = "";
  /** Called when the collector must get the templates with its next datagram: it can be
   * reached again after it was down, or it refused (it may be a collector that restarted and
   * lost them, or the refused datagram carried them). */
  needsTemplates: () => void = () => {};
  /** Called when the collector starts or stops receiving (see the head of this file). */
  onReceiving: (receiving: boolean) => void = () => {};
  /** While it does not receive, probe it every RETRY_INTERVAL_MS (set where its datagrams go
   * elsewhere meanwhile: round-robin). */
  probe = false;
  /** What onReceiving was last told (a collector is taken to receive until it is found not to). */
  private told = true;
  private readonly sndbuf: number;
  private readonly log: (line: string) => void;
  private readonly now: () => number;

  constructor(readonly collector: Collector, options: DestinationOptions = {}) {
    this.sndbuf = options.sndbuf ?? 0;
    this.log = options.onLog ?? (() => {});
    this.now = options.now ?? (() => performance.now());
  }

  get label(): string {
    return this.collector.host.includes(":") ? `[${this.collector.host}]:${this.collector.port}` : `${this.collector.host}:${this.collector.port}`;
  }

  /** Whether datagrams go out now (the collector is not down). */
  get up(): boolean {
    return this.downBecause === undefined;
  }

  /** Whether it receives: up, and no refusal or unreachable report since the last quiet QUIET_MS. */
  get receiving(): boolean {
    return this.downBecause === undefined && this.trouble.refused.at < 0 && this.trouble.unreachable.at < 0;
  }

  /** Tells onReceiving when `receiving` changed. */
  private changed(): void {
    const r = this.receiving;
    if (r === this.told) return;
    this.told = r;
    this.onReceiving(r);
  }

  /**
   * Resolves the host and connects the socket. A collector that cannot be reached yet — also
   * one whose name does not resolve (yet: a name only the VPN's DNS knows) — is down, said so,
   * and tried again every RETRY_INTERVAL_MS.
   */
  async open(): Promise<void> {
    this.timer = setInterval(() => void this.maintain(), RETRY_INTERVAL_MS);
    this.timer.unref();
    this.downSince = this.now();
    const e = await this.connect();
    if (e !== undefined) this.goDown(e, true);
  }

  /** A new socket connected to the collector (its name looked up again), or the error. */
  private async newSocket(): Promise<dgram.Socket | NodeJS.ErrnoException> {
    let socket: dgram.Socket | undefined;
    try {
      const { address, family } = await dns.lookup(this.collector.host);
      this.address = address;
      socket = dgram.createSocket({ type: family === 6 ? "udp6" : "udp4" });
      const s = socket;
      await new Promise<void>((resolve, reject) => {
        s.once("error", reject);
        // the callback gets the error of a connect that failed (then no "error" event comes)
        s.connect(this.collector.port, address, (err?: Error) => {
          s.off("error", reject);
          if (err) reject(err);
          else resolve();
        });
      });
      return s;
    } catch (e) {
      socket?.close();
      return e as NodeJS.ErrnoException;
    }
  }

  /** Connects a new socket in place of the old one; on success the collector is up. Returns the error otherwise. */
  private async connect(): Promise<NodeJS.ErrnoException | undefined> {
    if (this.connecting || this.closed) return undefined;
    this.connecting = true;
    const s = await this.newSocket();
    this.connecting = false;
    if (!(s instanceof dgram.Socket)) return s;
    if (this.closed) {
      s.close();
      return undefined;
    }
    s.on("error", (err) => this.reported(s, err as NodeJS.ErrnoException));
    if (this.sndbuf > 0) s.setSendBufferSize(this.sndbuf);
    const old = this.socket;
    this.socket = s;
    old?.close(); // (its sends still queued come back ECANCELED: counted as unreachable)
    if (this.downBecause !== undefined) {
      this.downBecause = undefined;
      if (this.counters.downs > 0) {
        this.counters.reopened++;
        this.counters.lastError = "";
        this.log(`flowprobe: collector ${this.label} can be reached ${this.everUp ? "again" : "now"} after ${((this.now() - this.downSince) / 1000).toFixed(1)} s; it gets the templates with its next datagram`);
        this.needsTemplates();
      }
      this.everUp = true;
      this.changed();
    }
    return undefined;
  }

  /** The collector cannot be reached: datagrams are counted as unreachable until a new socket connects. */
  private goDown(e: NodeJS.ErrnoException, atStart = false): void {
    if (this.downBecause !== undefined && !atStart) return;
    this.downBecause = e.code ?? "EUNKNOWN";
    this.downSince = this.now();
    this.counters.downs++;
    this.counters.lastError = e.message;
    const why = WHY[this.downBecause] ?? e.message;
    this.log(`flowprobe: collector ${this.label} cannot be reached (${this.downBecause}: ${why}); its datagrams are counted as unreachable, and it is tried again every ${RETRY_INTERVAL_MS / 1000} s`);
    this.changed();
    // a new socket at once: a source address that changed is fixed by that alone
    if (!atStart) void this.maintain();
  }

  /**
   * Once a second (and at once after going down): a collector that is down is connected again;
   * one that refused or was reported unreachable, and has had no such report for QUIET_MS while
   * datagrams went to it — the first of them long enough ago (RTT_MARGIN_MS) for its report to
   * have come back — is said to receive again. Never throws.
   */
  async maintain(): Promise<void> {
    if (this.closed) return;
    if (this.downBecause !== undefined) {
      const e = await this.connect();
      if (e && this.downBecause !== undefined) this.counters.lastError = `connecting: ${e.message}`;
      return;
    }
    const now = this.now();
    for (const kind of ["refused", "unreachable"] as const) {
      const t = this.trouble[kind];
      if (t.at >= 0 && t.sentAt >= 0 && now - t.at >= QUIET_MS && now - t.sentAt >= RTT_MARGIN_MS) {
        t.at = -1;
        this.log(`flowprobe: collector ${this.label}: no ${kind === "refused" ? "port unreachable" : "host or network unreachable"} for ${QUIET_MS / 1000} s: it receives again`);
      }
    }
    this.changed();
    if (this.probe && !this.receiving && this.socket) this.sendProbe(this.socket);
  }

  /** An empty datagram: a closed port answers it with an ICMP port unreachable, as it would a datagram (see the head of this file). */
  private sendProbe(s: dgram.Socket): void {
    this.counters.probes++;
    const done = (err: NodeJS.ErrnoException | null) => {
      if (s !== this.socket) return;
      if (!err) {
        const now = this.now();
        for (const t of [this.trouble.refused, this.trouble.unreachable]) if (t.at >= 0 && t.sentAt < 0) t.sentAt = now;
      } else if (err.code === "ECONNREFUSED") this.note("refused", err);
      else if (err.code === "EHOSTUNREACH" || err.code === "ENETUNREACH") this.note("unreachable", err);
      else this.counters.lastError = `probing: ${err.message}`;
    };
    try {
      s.send(Buffer.alloc(0), (err) => done(err as NodeJS.ErrnoException | null));
    } catch (e) {
      done(e as NodeJS.ErrnoException);
    }
  }

  /** A report from the network (ICMP) for this collector, on the socket or as a failed send. */
  private note(kind: "refused" | "unreachable", err: NodeJS.ErrnoException): void {
    if (kind === "refused") this.counters.portUnreachable++;
    else this.counters.hostUnreachable++;
    const t = this.trouble[kind];
    if (t.at < 0) {
      this.log(kind === "refused"
        ? `flowprobe: collector ${this.label} refuses datagrams (ICMP port unreachable: nothing listens on port ${this.collector.port} there)`
        : `flowprobe: collector ${this.label} is reported unreachable (${err.code}: an ICMP host or network unreachable from the way there)`);
    }
    t.at = this.now();
    t.sentAt = -1;
    if (kind === "refused") this.needsTemplates();
    this.changed();
  }

  /**
   * A send failed with ENETUNREACH or EHOSTUNREACH: either this host has no route (then a new
   * socket cannot connect either: the collector is down) or a router on the way answered with
   * an ICMP unreachable, which the kernel hands to the next send (then the socket is fine: a
   * report from the network). A test connect tells which.
   */
  private async unreachableSend(s: dgram.Socket, err: NodeJS.ErrnoException): Promise<void> {
    if (this.probing) return;
    this.probing = true;
    const probe = await this.newSocket();
    this.probing = false;
    if (probe instanceof dgram.Socket) {
      probe.close();
      this.note("unreachable", err);
    } else if (s === this.socket) {
      this.goDown(probe);
    }
  }

  /** An error event of socket s: reports from the network, and broken sockets. */
  private reported(s: dgram.Socket, err: NodeJS.ErrnoException): void {
    if (s !== this.socket) return; // an old socket's last words
    if (err.code === "ECONNREFUSED") this.note("refused", err);
    else if (err.code === "EHOSTUNREACH" || err.code === "ENETUNREACH") this.note("unreachable", err);
    else {
      this.counters.lastError = err.message;
      if (err.code !== undefined && DOWN_ON.has(err.code)) this.goDown(err);
    }
  }

  /** Sends one datagram (copied: the caller's bytes may be reused at once). */
  send(bytes: Uint8Array): void {
    this.counters.datagrams++;
    if (this.downBecause !== undefined || !this.socket) {
      this.counters.unreachable++;
      return;
    }
    if (this.inFlight >= SEND_QUEUE_MAX) {
      this.counters.queueFull++;
      return;
    }
    const copy = Buffer.from(bytes);
    const s = this.socket;
    this.inFlight++;
    try {
      s.send(copy, (err) => this.sent(s, copy.length, err as NodeJS.ErrnoException | null));
    } catch (e) {
      this.sent(s, copy.length, e as NodeJS.ErrnoException); // (a socket Node no longer runs)
    }
  }

  /** The end of one send on socket s. */
  private sent(s: dgram.Socket, length: number, err: NodeJS.ErrnoException | null): void {
    this.inFlight--;
    if (err) this.sendFailed(s, err);
    else {
      this.counters.sent++;
      this.counters.bytes += length;
      const now = this.now();
      for (const t of [this.trouble.refused, this.trouble.unreachable]) if (t.at >= 0 && t.sentAt < 0) t.sentAt = now;
    }
    if (this.inFlight === 0) for (const wake of this.idle.splice(0)) wake();
  }

  private sendFailed(s: dgram.Socket, err: NodeJS.ErrnoException): void {
    const code = err.code ?? "";
    if (code === "ECONNREFUSED") {
      this.counters.refused++;
      this.note("refused", err);
      return;
    }
    if (code === "EAGAIN" || code === "EWOULDBLOCK" || code === "ENOBUFS") {
      this.counters.bufferFull++;
      return;
    }
    if (code === "ECANCELED" && s !== this.socket) {
      // queued on a socket replaced after the collector went down: not sent, and not news
      this.counters.unreachable++;
      return;
    }
    if (code === "ENETUNREACH" || code === "EHOSTUNREACH") {
      this.counters.unreachable++;
      if (s === this.socket) void this.unreachableSend(s, err);
      return;
    }
    if (UNREACHABLE.has(code)) this.counters.unreachable++;
    else {
      this.counters.other++;
      this.counters.lastError = err.message;
      if (this.now() - this.lastErrorLog >= ERROR_LOG_MS) {
        this.lastErrorLog = this.now();
        this.log(`flowprobe: collector ${this.label}: sending failed: ${err.message} (said at most once a minute; the summary counts them)`);
      }
    }
    if (s === this.socket && DOWN_ON.has(code)) this.goDown(err);
  }

  /** Resolves when every send handed over so far has completed. */
  drained(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  close(): void {
    this.closed = true;
    clearInterval(this.timer);
    this.socket?.close();
    this.socket = undefined;
  }
}
