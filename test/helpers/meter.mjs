// In-process metering through the built library (dist/lib.cjs): capture bytes or batch
// records in, flows (parsed JSON lines) and the counter snapshot out.
import { createRequire } from "node:module";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseFlows } from "./run.mjs";

const require = createRequire(import.meta.url);
export const lib = require("../../dist/lib.cjs");
const L = lib.layout;

export const defaults = { maxflows: 1000, hashsize: 2048, inactiveTimeoutS: 15, activeTimeoutS: 1800, format: "json" };

export function newMeter(target = {}, seed = 1n) {
  const chunks = [];
  const meter = new lib.Meter([{ ...defaults, ...target }], seed, (b) => chunks.push(Buffer.from(b)));
  return { meter, text: () => Buffer.concat(chunks).toString("utf8") };
}

/** Meters a capture file given as bytes. Returns { flows, snap, error }. */
export async function meterBytes(bytes, target = {}, { flush = true } = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), "fp-"));
  const file = path.join(dir, "t.pcap");
  writeFileSync(file, bytes);
  const { meter, text } = newMeter(target);
  let error;
  try {
    await lib.meterFile(meter, file);
  } catch (e) {
    error = e;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (flush) await meter.flush();
  return { flows: parseFlows(text()), snap: meter.snapshot(), error, meter };
}

/**
 * Meters packets through the batch-record contract (layout.ts BR_*), as a live source will.
 * packets: [{ ts (ns, BigInt), data, linktype = 1, ifindex = 0, pkttype = 0, tci = 0, tpid = 0, wire }]
 */
export async function meterBatch(packets, target = {}, { flush = true, meterState } = {}) {
  const st = meterState ?? newMeter(target);
  const { meter } = st;
  const core = meter.core;
  let i = 0;
  while (i < packets.length) {
    let off = 0;
    let n = 0;
    const dv = core.dv;
    const u8 = core.u8;
    while (i + n < packets.length) {
      const p = packets[i + n];
      const size = L.BR_HEADER + Math.ceil(p.data.length / 8) * 8;
      if (off + size > L.INPUT_SIZE) break;
      const r = L.INPUT_BASE + off;
      dv.setBigUint64(r + L.BR_TS_NS, p.ts, true);
      dv.setUint32(r + L.BR_WIRE_LEN, p.wire ?? p.data.length, true);
      dv.setUint32(r + L.BR_CAP_LEN, p.data.length, true);
      dv.setUint32(r + L.BR_IFINDEX, p.ifindex ?? 0, true);
      dv.setUint8(r + L.BR_PKTTYPE, p.pkttype ?? 0);
      dv.setUint16(r + L.BR_LINKTYPE, p.linktype ?? 1, true);
      dv.setUint16(r + L.BR_VLAN_TCI, p.tci ?? 0, true);
      dv.setUint16(r + L.BR_VLAN_TPID, p.tpid ?? 0, true);
      u8.set(p.data, r + L.BR_HEADER);
      off += size;
      n++;
    }
    // one call per batch; resume after the output is drained
    let done = 0;
    let at = 0;
    while (done < n) {
      if (at > 0) core.input().copyWithin(0, at, off), (off -= at);
      const used = core.x.walkBatch(n - done);
      done += core.status(L.ST_PACKETS);
      at = used;
      await meter.drain();
    }
    i += n;
  }
  if (flush) await meter.flush();
  return { flows: parseFlows(st.text()), snap: meter.snapshot(), meter, state: st };
}
