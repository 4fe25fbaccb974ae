// Ring statistics per interface: the FP_RING message (assembly/layout.ts; the shim's head
// comment gives the wire format) that the shim and the cap child send for each interface of
// -i just before each FP_STATS, and the rows the live source keeps of them. A row is keyed by
// the interface's name, not its ifindex: an interface deleted and made again (a PPP link that
// reconnects) gets a new ifindex but goes on adding to its row. The shim counts from its own
// start; when it dies and is started again, what the rows held is carried, so a row counts
// over the whole run. Read once a second (never per packet).

import * as L from "../../assembly/layout";
import { CaptureError } from "../errors";
import type { KernelCounters } from "./source";

/** One interface's ring figures, as a message carries them and as the source keeps them. */
export interface RingCounters extends KernelCounters {
  /** The interface's name as -i gave it ("any" for any): the row's key. */
  name: string;
  /** The number its flows carry (its ifindex, or its --ifindex-map number): the last it had; 0 for any, or before it was first opened. */
  ifindex: number;
  /** Whether it is open now (false while it is gone and awaited). */
  open: boolean;
}

/** The FP_RING payload of a row (what the cap child writes). */
export function ringMessage(r: RingCounters): Buffer {
  const name = Buffer.from(r.name, "utf8");
  const b = Buffer.alloc(L.FP_RING_NAME + name.length);
  b.writeBigUInt64LE(r.packets, 0);
  b.writeBigUInt64LE(r.drops, 8);
  b.writeBigUInt64LE(r.freezes, 16);
  b.writeUInt32LE(r.ifindex, 24);
  b.writeUInt32LE(r.open ? 1 : 0, 28);
  name.copy(b, L.FP_RING_NAME);
  return b;
}

/** Reads an FP_RING payload; a message of another shape is an error naming what was wrong (a shim of another build). */
export function parseRingMessage(payload: Uint8Array): RingCounters {
  const b = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  if (b.length <= L.FP_RING_NAME) {
    throw new CaptureError(`the capture shim's ring statistics (message FP_RING) has ${b.length} bytes; expected more than ${L.FP_RING_NAME}: three u64 counts and two u32 (${L.FP_RING_NAME} bytes), then an interface name of at least one byte: is flowprobe-capture from another build?`);
  }
  const state = b.readUInt32LE(28);
  if (state > 1) throw new CaptureError(`the capture shim's ring statistics (message FP_RING) says state ${state}; expected 1 (open) or 0 (awaited): is flowprobe-capture from another build?`);
  return {
    name: b.toString("utf8", L.FP_RING_NAME),
    packets: b.readBigUInt64LE(0),
    drops: b.readBigUInt64LE(8),
    freezes: b.readBigUInt64LE(16),
    ifindex: b.readUInt32LE(24),
    open: state === 1,
  };
}

/**
 * The rows of a run, by name, in the order first reported. Messages are staged as they come
 * and applied together at the FP_STATS that follows them (commit), so a reading never sees
 * one interface's new counts beside another's old ones, nor rows ahead of the totals.
 */
export class RingRows {
  /** The rows (the live source's statistics hold this very array). */
  readonly rows: RingCounters[] = [];
  private readonly staged: RingCounters[] = [];
  /** Per name: what the shims that died had counted. */
  private readonly carried = new Map<string, KernelCounters>();

  /** An FP_RING message arrived. */
  stage(payload: Uint8Array): void {
    this.staged.push(parseRingMessage(payload));
  }

  /** The FP_STATS after them arrived: the staged rows become the rows. */
  commit(): void {
    for (const r of this.staged) {
      const c = this.carried.get(r.name);
      const row: RingCounters = c ? { ...r, packets: c.packets + r.packets, drops: c.drops + r.drops, freezes: c.freezes + r.freezes } : { ...r };
      const at = this.rows.findIndex((x) => x.name === r.name);
      // closed with 0: a shim started again after the interface went never opened it, and
      // reports 0; the row keeps the number it last had (what the interface's flows carried)
      if (at >= 0 && !r.open && r.ifindex === 0) row.ifindex = this.rows[at]!.ifindex;
      if (at < 0) this.rows.push(row);
      else this.rows[at] = row;
    }
    this.staged.length = 0;
  }

  /** The shim ended (it is started again from zero): its rows' counts are carried; each row is closed until the new one reports. */
  restarted(): void {
    this.staged.length = 0;
    for (const [k, r] of this.rows.entries()) {
      this.carried.set(r.name, { packets: r.packets, drops: r.drops, freezes: r.freezes });
      this.rows[k] = { ...r, open: false };
    }
  }
}
