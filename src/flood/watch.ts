// The flood watch: the core's alerts held off, logged, counted, kept in a short list for the
// control socket, and handed to --flood-action (action.ts).
//
// An alert is logged once per source per holdoff, per kind and target (the key); alerts of
// the same key within the holdoff are counted, and added to its entry in the list, but not
// logged and run no action. The holdoff runs on meter time (the alert's first-seen time):
// packet time for a file, so a file's alerts are the same whatever the machine's speed; wall
// time live.

import type { CoreAlert, FloodKind } from "../meter/meter";
import type { FloodCommand } from "../config/flood";
import { ActionRunner, type ActionOptions } from "./action";

/** An alert as the host keeps it. */
export interface FloodAlert {
  kind: FloodKind;
  /** The target's name. */
  target: string;
  source: string;
  flow?: CoreAlert["flow"];
  /** Packets (pps) or new flows (new-flows) that took it over the limit, the seconds they came
   * in, and the rate they make (per second): its latest alert's. */
  count: number;
  seconds: number;
  rate: number;
  /** Meter time of its first alert (ns since the epoch), and of its latest. */
  firstSeenNs: bigint;
  lastSeenNs: bigint;
  /** Alerts of the same source, kind and target held off since it was logged. */
  repeats: number;
}

/** What the statistics registry reads of the flood watch (once per tick). */
export interface FloodFigures {
  /** Alerts the core made, by kind (logged or held off). */
  alerts: { pps: bigint; newFlows: bigint };
  /** Alerts logged (one per source, kind and target per holdoff). */
  logged: bigint;
  /** Alerts held off: the same source, kind and target within the holdoff. */
  heldOff: bigint;
  /** Alerts the core could not keep (over 64 per target in one second, or 256 between two walk calls). */
  lost: bigint;
  /** --flood-action: runs started, skipped (over the rate limit), ended with a status other than 0 or not started. */
  actions: { run: bigint; skipped: bigint; failed: bigint };
}

export interface FloodWatchOptions {
  /** Seconds a logged key is held off. */
  holdoffS: number;
  /** The command to run for each logged alert. Default none. */
  action?: FloodCommand;
  /** The target's name of a meter slot. */
  targetName: (slot: number) => string;
  log: (line: string) => void;
  /** Logged alerts kept for `alerts` (the control socket), newest last. Default FLOOD_LIST_MAX. */
  listMax?: number;
  /** The action runner's options (rate limit, execFile, clock): for tests. */
  runner?: Partial<ActionOptions>;
}

/** Logged alerts kept at most. */
export const FLOOD_LIST_MAX = 64;
/** Keys remembered for their holdoff before the expired ones are pruned. */
const HOLDOFF_PRUNE_AT = 4096;

export class FloodWatch {
  private readonly holdoffNs: bigint;
  private readonly until = new Map<string, bigint>();
  private readonly entries: FloodAlert[] = [];
  private readonly byKey = new Map<string, FloodAlert>();
  private readonly runner: ActionRunner | undefined;
  private readonly counts = { pps: 0n, newFlows: 0n, logged: 0n, heldOff: 0n, lost: 0n };

  constructor(private readonly o: FloodWatchOptions) {
    this.holdoffNs = BigInt(o.holdoffS) * 1_000_000_000n;
    if (o.action) this.runner = new ActionRunner(o.action, { log: o.log, ...o.runner });
  }

  /** The core's alerts of one walk call (Meter.onAlerts). */
  take(alerts: readonly CoreAlert[], lost: number): void {
    if (lost > 0) {
      this.counts.lost += BigInt(lost);
      this.o.log(`flowprobe: flood: ${lost} alerts lost (over 64 of one target in one second, or 256 between two batches); the counts go on`);
    }
    for (const a of alerts) {
      if (a.kind === "pps") this.counts.pps++;
      else this.counts.newFlows++;
      const target = this.o.targetName(a.target);
      const key = `${target}\u0000${a.kind}\u0000${a.source}`;
      const until = this.until.get(key);
      if (until !== undefined && a.firstSeenNs < until) {
        this.counts.heldOff++;
        const e = this.byKey.get(key);
        if (e) {
          e.repeats++;
          Object.assign(e, figures(a));
          e.lastSeenNs = a.firstSeenNs;
        }
        continue;
      }
      if (this.until.size >= HOLDOFF_PRUNE_AT) for (const [k, t] of this.until) if (t <= a.firstSeenNs) this.until.delete(k);
      this.until.set(key, a.firstSeenNs + this.holdoffNs);
      const entry: FloodAlert = { kind: a.kind, target, source: a.source, flow: a.flow, ...figures(a), firstSeenNs: a.firstSeenNs, lastSeenNs: a.firstSeenNs, repeats: 0 };
      this.entries.push(entry);
      this.byKey.set(key, entry);
      if (this.entries.length > (this.o.listMax ?? FLOOD_LIST_MAX)) {
        const old = this.entries.shift()!;
        const k = `${old.target}\u0000${old.kind}\u0000${old.source}`;
        if (this.byKey.get(k) === old) this.byKey.delete(k);
      }
      this.counts.logged++;
      this.o.log(`flowprobe: flood: ${describe(entry)}; held off for ${this.o.holdoffS} s`);
      this.runner?.run({ addr: a.source, kind: a.kind, target });
    }
  }

  /** The logged alerts kept (newest last), for the control socket's `alerts` verb: copies. */
  list(): FloodAlert[] {
    return this.entries.map((e) => ({ ...e, flow: e.flow && { ...e.flow } }));
  }

  figures(): FloodFigures {
    const c = this.counts;
    return { alerts: { pps: c.pps, newFlows: c.newFlows }, logged: c.logged, heldOff: c.heldOff, lost: c.lost, actions: this.runner?.figures() ?? { run: 0n, skipped: 0n, failed: 0n } };
  }

  /** Resolves when every action started has ended (at stop, and in tests). */
  settled(): Promise<void> {
    return this.runner?.settled() ?? Promise.resolve();
  }
}

/** An alert's count, span (s) and rate (per second; over a span under 1 ms, per ms × 1000). */
function figures(a: CoreAlert): { count: number; seconds: number; rate: number } {
  const seconds = Number(a.spanNs) / 1e9;
  return { count: a.count, seconds, rate: Math.round(a.count / Math.max(seconds, 0.001)) };
}

const PROTOCOLS: Record<number, string> = { 1: "icmp", 6: "tcp", 17: "udp", 58: "icmp6", 132: "sctp" };

/** One line of an alert. */
export function describe(a: FloodAlert): string {
  const when = new Date(Number(a.firstSeenNs / 1_000_000n)).toISOString();
  const span = `${a.count} ${a.kind === "pps" ? "packets" : "new flows"} in ${a.seconds.toFixed(3)} s (${a.rate}/s)`;
  if (a.kind === "new-flows") return `target ${a.target}: source ${a.source} created ${span} (new-flows), first seen ${when}`;
  const f = a.flow!;
  const ep = (addr: string, port: number) => (addr.includes(":") ? `[${addr}]` : addr) + (f.proto === 6 || f.proto === 17 || f.proto === 132 ? `:${port}` : "");
  return `target ${a.target}: source ${a.source} sent ${span} in one flow (pps): ${PROTOCOLS[f.proto] ?? `proto ${f.proto}`} ${ep(a.source, f.srcPort)} > ${ep(f.dst, f.dstPort)}, first seen ${when}`;
}
