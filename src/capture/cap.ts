// The portable capture backend, `--capture cap`: libpcap in this process through the npm
// package cap, loaded only when asked for (it is a native addon, not part of the bundle).
// Each packet cap hands over becomes a batch record (layout.ts, BR_*) in a staging buffer;
// the buffer goes to the core as one batch when the event loop is free, as the shim's
// batches do. What libpcap through cap does not give, and how it is made up for:
// - no packet time: stamped on arrival (the realtime clock, to the µs through a monotonic one);
// - no packet type: from the frame's MACs against the interface's own (Ethernet); "any" has
//   Linux cooked headers that carry it;
// - always promiscuous (cap sets it): without --promisc, frames addressed to other hosts are
//   still skipped and counted; direction in skips the interface's own sent frames;
// - no kernel drop counts; packets that arrive while the staging buffer is full are dropped
//   and counted ("host drops");
// - an interface that goes away is not re-attached (the shim does that).
// Known trap: cap keeps only a raw pointer to the buffer given to open(); the buffers are kept
// referenced here until every capture is closed, or the process aborts.

import { createRequire } from "node:module";
import * as fs from "node:fs";
import * as path from "node:path";
import * as L from "../../assembly/layout";
import { CaptureError, UsageError } from "../errors";
import { numberOf } from "./routes";

interface CapHandle {
  open(device: string, filter: string, bufSize: number, buffer: Buffer): string;
  close(): void;
  on(event: "packet", fn: (nbytes: number, truncated: boolean) => void): void;
}
interface CapModule {
  Cap: new () => CapHandle;
}

export interface CapOptions {
  interfaces: string[];
  promisc: boolean;
  snaplen: number;
  direction: "in" | "both";
  filter?: string;
  ifindexMap?: ReadonlyMap<string, number>;
}

export interface CapIo {
  /** Meters `records` batch records lying in the core's input region from its start. */
  meterBatch(records: number, bytes: number): Promise<void>;
  /** The host tick (once a second): aging, routes, staged datagrams. */
  tick(): Promise<void>;
  input(): Uint8Array;
  stopSignal: AbortSignal;
  onLog(line: string): void;
  onCapturing?: () => void;
  clock: { realtimeMs(): number };
}

export interface CapResult {
  interfaces: Map<number, string>;
  /** Packets dropped because the staging buffer was full. */
  hostDrops: bigint;
}

/** cap's names for the link types it reports → LINKTYPE_* numbers the core reads. */
const LINKTYPES: Record<string, number> = { ETHERNET: 1, NULL: 0, RAW: 101, LINKTYPE_LINUX_SLL: 113 };
// Linux packet types (as the shim reports them)
const PACKET_HOST = 0, PACKET_BROADCAST = 1, PACKET_MULTICAST = 2, PACKET_OTHERHOST = 3, PACKET_OUTGOING = 4;
/** libpcap's buffer per interface. */
const PCAP_BUFFER = 4 << 20;
/** A batch goes to the core with this many packets staged, or this long after its first. */
const FLUSH_RECORDS = 1024;
const FLUSH_MS = 20;
/** A packet's largest size on Linux (GRO included); the buffer cap copies into. */
const PACKET_MAX = 65535;

/** Loads cap from node_modules beside the bundle or the single executable, or the working directory. */
function loadCap(): CapModule {
  let last = "";
  for (const dir of [__dirname, path.dirname(process.execPath), process.cwd()]) {
    try {
      return createRequire(path.join(dir, "flowprobe.js"))("cap") as CapModule;
    } catch (e) {
      last = (e as Error).message.split("\n")[0]!;
    }
  }
  throw new UsageError(`--capture cap needs the npm package cap (libpcap bindings), which could not be loaded (${last}); install it beside flowprobe (npm install cap), or use the default --capture shim`);
}

/** The Linux packet type of an Ethernet frame, from its MACs and the interface's own. */
function ethernetType(frame: Buffer, own: Buffer | undefined): number {
  if (own && frame.compare(own, 0, 6, 6, 12) === 0) return PACKET_OUTGOING;
  if ((frame[0]! & 1) !== 0) return frame.readUIntBE(0, 6) === 0xffffffffffff ? PACKET_BROADCAST : PACKET_MULTICAST;
  if (own && frame.compare(own, 0, 6, 0, 6) === 0) return PACKET_HOST;
  return own ? PACKET_OTHERHOST : PACKET_HOST;
}

function macOf(name: string): Buffer | undefined {
  try {
    const text = fs.readFileSync(`/sys/class/net/${name}/address`, "utf8").trim();
    return /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/.test(text) ? Buffer.from(text.replace(/:/g, ""), "hex") : undefined;
  } catch {
    return undefined;
  }
}

/** Captures with libpcap until the stop signal; every packet is metered before it returns. */
export async function captureWithCap(o: CapOptions, io: CapIo): Promise<CapResult> {
  const { Cap } = loadCap();
  const result: CapResult = { interfaces: new Map(), hostDrops: 0n };
  const stage = Buffer.alloc(L.INPUT_SIZE);
  let stageLen = 0;
  let stageRecords = 0;
  // realtime ns = base + monotonic ns; the base is taken again every tick, so a step of the
  // system clock reaches the packets' stamps within a second
  let base = 0n;
  const rebase = () => (base = BigInt(Math.round(io.clock.realtimeMs() * 1000)) * 1000n - process.hrtime.bigint());
  rebase();

  // one thing at a time touches the core: batches and ticks are chained
  let chain: Promise<void> = Promise.resolve();
  let failure: unknown;
  const run = (job: () => Promise<void>) => {
    chain = chain.then(job).catch((e) => {
      failure ??= e;
    });
  };
  /** Hands the staged records to the core as one batch (a chained job: the input region is free). */
  const flushNow = async () => {
    if (stageRecords === 0) return;
    const records = stageRecords;
    const bytes = stageLen;
    io.input().set(stage.subarray(0, bytes));
    stageLen = 0;
    stageRecords = 0;
    await io.meterBatch(records, bytes);
  };
  // cap calls in once per packet, and at a moderate rate each wakeup brings one: the batch
  // goes when FLUSH_RECORDS are staged (once the current run of packets is over), else
  // after FLUSH_MS, so the core is called once per many packets at any rate
  let flushQueued = false;
  let flushTimer: NodeJS.Timeout | undefined;
  const flushJob = () => {
    flushQueued = false;
    if (flushTimer) clearTimeout(flushTimer);
    flushTimer = undefined;
    run(flushNow);
  };
  const queueFlush = () => {
    if (stageRecords >= FLUSH_RECORDS) {
      if (!flushQueued) {
        flushQueued = true;
        setImmediate(flushJob);
      }
    } else {
      flushTimer ??= setTimeout(flushJob, FLUSH_MS);
    }
  };

  const handles: CapHandle[] = [];
  const buffers: Buffer[] = []; // referenced until every handle is closed (cap keeps raw pointers)
  const names = o.interfaces;
  for (const name of names) {
    const c = new Cap();
    const buf = Buffer.alloc(PACKET_MAX);
    let linkName: string;
    try {
      linkName = c.open(name, o.filter ?? "", PCAP_BUFFER, buf);
    } catch (e) {
      for (const h of handles) h.close();
      const msg = (e as Error).message;
      if (/syntax|filter|expression/i.test(msg)) throw new UsageError(`--filter: ${msg}`);
      throw new CaptureError(`libpcap cannot capture on ${name}: ${msg}`);
    }
    const linktype = LINKTYPES[linkName];
    if (linktype === undefined) {
      c.close();
      for (const h of handles) h.close();
      throw new CaptureError(`libpcap on ${name}: ${linkName}, a link type flowprobe does not read`);
    }
    handles.push(c);
    buffers.push(buf);
    const ifindex = name === "any" ? 0 : numberOf(name, o.ifindexMap);
    const own = linktype === 1 ? macOf(name) : undefined;
    c.on("packet", (nbytes) => {
      const pkttype = linktype === 1 ? ethernetType(buf, own) : linktype === 113 ? buf.readUInt16BE(0) : PACKET_HOST;
      if (pkttype === PACKET_OUTGOING && o.direction === "in") return; // (the shim's PACKET_IGNORE_OUTGOING)
      const caplen = Math.min(nbytes, o.snaplen);
      const need = L.BR_HEADER + ((caplen + 7) & ~7);
      if (stageLen + need > stage.length) {
        result.hostDrops++;
        return;
      }
      const at = stageLen;
      stage.writeBigUInt64LE(base + process.hrtime.bigint(), at + L.BR_TS_NS);
      stage.writeUInt32LE(nbytes, at + L.BR_WIRE_LEN);
      stage.writeUInt32LE(caplen, at + L.BR_CAP_LEN);
      stage.writeUInt32LE(ifindex, at + L.BR_IFINDEX);
      stage.writeUInt8(pkttype, at + L.BR_PKTTYPE);
      stage.writeUInt16LE(linktype, at + L.BR_LINKTYPE);
      stage.writeUInt32LE(0, at + L.BR_VLAN_TCI); // libpcap puts VLAN tags back into the frame
      buf.copy(stage, at + L.BR_HEADER, 0, caplen);
      stageLen += need;
      stageRecords++;
      queueFlush();
    });
    result.interfaces.set(ifindex, name);
    io.onLog(`flowprobe: capturing on ${name}${ifindex ? ` (ifindex ${ifindex})` : ""} with libpcap${o.promisc ? "" : " (cap sets it promiscuous; frames for other hosts are skipped and counted)"}`);
  }
  io.onCapturing?.();

  const timer = setInterval(() => run(async () => {
    rebase();
    await flushNow();
    await io.tick();
  }), 1000);
  await new Promise<void>((resolve) => {
    if (io.stopSignal.aborted) resolve();
    else io.stopSignal.addEventListener("abort", () => resolve(), { once: true });
  });
  clearInterval(timer);
  if (flushTimer) clearTimeout(flushTimer);
  for (const h of handles) h.close();
  run(flushNow);
  await chain;
  buffers.length = 0; // every handle is closed: the buffers may go
  if (failure) throw failure;
  return result;
}
