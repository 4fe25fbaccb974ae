// Room sources/: where packets come from, behind one Source interface (source.ts): a capture
// file or standard input (file.ts), the capture shim's client (shim.ts), the libpcap child of
// --capture cap (this file). Each puts batches into the core's input region and meters them.
//
// The portable capture backend, `--capture cap`: libpcap through the npm package cap (a
// native addon, not part of the bundle; loaded only here). It runs in a child process of
// flowprobe — flowprobe itself started again with the internal first argument
// `--capture-child` — that speaks the shim's protocol (shim/flowprobe-capture.c: FP_BATCH,
// FP_STATS, FP_IFACE messages into the FIFO named by --output; stdin's end is the stop line),
// so shim.ts runs, reads and restarts it exactly as it does the shim. A child, because cap
// aborts the process (an assert in its poll callback) when a captured interface goes down:
// then only the child dies, the flows stay in flowprobe, and the child is started again.
//
// What libpcap through cap does not give, and how it is made up for:
// - no packet time: stamped on arrival (the realtime clock, to the µs through a monotonic one,
//   re-based every second so a step of the clock reaches the stamps);
// - no packet type: from the frame's MACs against the interface's own (Ethernet); "any" has
//   Linux cooked headers that carry it;
// - always promiscuous (cap sets it): without --promisc, frames addressed to other hosts are
//   still skipped and counted by the meter; direction in skips the interface's own sent frames;
// - no kernel drop counts (FP_STATS and each interface's FP_RING say 0); a full staging
//   buffer is written out at once, so this process drops nothing itself; packets are counted
//   per interface (one libpcap handle each; "any" is one row);
// - packets are taken one by one (a JavaScript call each) and sent a batch at a time.
// Known trap: cap keeps only a raw pointer to the buffer given to open(); each buffer stays
// referenced (in `opened`) for the life of its handle, or the process aborts.

import { createRequire } from "node:module";
import * as fs from "node:fs";
import * as path from "node:path";
import * as L from "../../assembly/layout";
import { parseCaptureArgs, type ParsedCaptureArgs } from "../config/capture-args";
import { numberOf, sysNetValue } from "../host/routes";
import { ringMessage } from "./rings";

interface CapHandle {
  open(device: string, filter: string, bufSize: number, buffer: Buffer): string;
  close(): void;
  on(event: "packet", fn: (nbytes: number, truncated: boolean) => void): void;
}
interface CapModule {
  Cap: new () => CapHandle;
}

/** The first argument that makes flowprobe the capture child. */
export const CAPTURE_CHILD = "--capture-child";

/** cap's names for the link types it reports → LINKTYPE_* numbers the core reads. */
const LINKTYPES: Record<string, number> = { ETHERNET: 1, NULL: 0, RAW: 101, LINKTYPE_LINUX_SLL: 113 };
// Linux packet types (as the shim reports them)
const PACKET_HOST = 0, PACKET_BROADCAST = 1, PACKET_MULTICAST = 2, PACKET_OTHERHOST = 3, PACKET_OUTGOING = 4;
/** A batch goes with this many packets staged, or this long after its first. */
const FLUSH_RECORDS = 1024;
const FLUSH_MS = 20;
/** The largest packet cap copies (it sets snaplen 65535 itself). */
const PACKET_MAX = 65535;
const IFF_UP = 0x1;

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
  throw new ChildUsage(`--capture cap needs the npm package cap (libpcap bindings), which could not be loaded (${last}); install it beside flowprobe (npm install cap), or use the default --capture shim`);
}

/** A usage error (exit status 2), and a capture that cannot start (status 1), as the shim's. */
class ChildUsage extends Error {}
class ChildCannot extends Error {}

/** The Linux packet type of an Ethernet frame, from its MACs and the interface's own. */
function ethernetType(frame: Buffer, own: Buffer | undefined): number {
  if (own && frame.compare(own, 0, 6, 6, 12) === 0) return PACKET_OUTGOING;
  if ((frame[0]! & 1) !== 0) return frame.readUIntBE(0, 6) === 0xffffffffffff ? PACKET_BROADCAST : PACKET_MULTICAST;
  if (own && frame.compare(own, 0, 6, 0, 6) === 0) return PACKET_HOST;
  return own ? PACKET_OTHERHOST : PACKET_HOST;
}

function macOf(name: string): Buffer | undefined {
  const text = sysNetValue(name, "address");
  return text && /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/.test(text) ? Buffer.from(text.replace(/:/g, ""), "hex") : undefined;
}

/** The capture child's main: returns its exit status (0 stopped, 1 could not capture, 2 usage). */
export async function capChildMain(argv: string[]): Promise<number> {
  const say = (line: string) => process.stderr.write(`flowprobe (capture, libpcap): ${line}\n`);
  let o: ParsedCaptureArgs;
  let Cap: CapModule["Cap"];
  try {
    o = parseCaptureArgs(argv); // the shim's command line, as far as libpcap can follow it
    Cap = loadCap().Cap;
  } catch (e) {
    say((e as Error).message);
    return 2;
  }
  // stdin's end (flowprobe closed it, or died), SIGTERM/SIGINT, or the FIFO's reader gone: stop
  let stopped!: () => void;
  const done = new Promise<void>((resolve) => (stopped = resolve));
  const stop = () => stopped();
  process.stdin.on("end", stop);
  process.stdin.on("error", stop);
  process.stdin.resume();
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  let out: number;
  try {
    out = fs.openSync(o.output, "w"); // the FIFO: flowprobe holds its read end
  } catch (e) {
    say(`--output ${o.output}: ${(e as Error).message}`);
    return 2;
  }
  let gone = false; // the reader went away: nothing more to do
  const send = (type: number, payload: Buffer, extra?: Buffer) => {
    if (gone) return;
    const head = Buffer.alloc(L.FP_HEADER);
    head.writeUInt32LE(type, 0);
    head.writeUInt32LE(payload.length + (extra?.length ?? 0), 4);
    try {
      for (const b of extra ? [head, payload, extra] : [head, payload]) {
        for (let at = 0; at < b.length;) at += fs.writeSync(out, b, at);
      }
    } catch {
      gone = true; // EPIPE: flowprobe ended
      stop();
    }
  };

  const stage = Buffer.alloc(L.INPUT_SIZE);
  let stageLen = 0;
  let stageRecords = 0;
  let taken = 0n; // packets handed over or dropped here
  // per interface of -i: the packets its handle gave, and the number its flows carry
  // (a number, not a bigint: an increment per packet that allocates nothing; exact to 2^53)
  const rows = new Map(o.interfaces.map((name) => [name, { packets: 0, ifindex: 0, open: false }]));
  let base = 0n;
  // (Date.now() has whole ms: the base moves only when the clock drifted or stepped by more,
  // so stamps never go back by the rounding)
  const rebase = () => {
    const next = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();
    if (base === 0n || next - base > 2_000_000n || base - next > 2_000_000n) base = next;
  };
  rebase();

  let flushTimer: NodeJS.Timeout | undefined;
  let flushQueued = false;
  const flush = () => {
    flushQueued = false;
    if (flushTimer) clearTimeout(flushTimer);
    flushTimer = undefined;
    if (stageRecords === 0) return;
    const head = Buffer.alloc(8);
    head.writeUInt32LE(stageRecords, 0);
    send(L.FP_BATCH, head, stage.subarray(0, stageLen));
    stageLen = 0;
    stageRecords = 0;
  };
  // cap calls in once per packet (at a moderate rate, one per wakeup): the batch goes once
  // FLUSH_RECORDS are staged and the current run of packets is over, else after FLUSH_MS
  const queueFlush = () => {
    if (stageRecords >= FLUSH_RECORDS || stageLen >= stage.length / 2) {
      if (!flushQueued) {
        flushQueued = true;
        setImmediate(flush);
      }
    } else {
      flushTimer ??= setTimeout(flush, FLUSH_MS);
    }
  };

  const opened: Array<{ name: string; handle: CapHandle; buffer: Buffer }> = [];
  const waiting = new Set(o.interfaces);
  const tryOpen = (name: string): boolean => {
    // a named interface that is missing or down is waited for: opening it then would fail,
    // or cap would abort at its first poll
    if (name !== "any") {
      const flags = sysNetValue(name, "flags");
      if (flags === undefined || (parseInt(flags, 16) & IFF_UP) === 0) return false;
    }
    const handle = new Cap();
    const buffer = Buffer.alloc(PACKET_MAX);
    let linkName: string;
    try {
      linkName = handle.open(name, o.filter, o.ringBytes, buffer); // libpcap's buffer: the shim's ring size
    } catch (e) {
      try {
        handle.close();
      } catch {
        // nothing was opened
      }
      const msg = (e as Error).message;
      if (/syntax|parse|expression|filter/i.test(msg)) throw new ChildUsage(`--filter "${o.filter}": ${msg}`);
      if (/permission|not permitted/i.test(msg)) throw new ChildCannot(`${name}: ${msg}: needs CAP_NET_RAW and CAP_NET_ADMIN (run as root)`);
      say(`${name}: ${msg}; waiting for it`);
      return false;
    }
    const linktype = LINKTYPES[linkName];
    if (linktype === undefined) {
      handle.close();
      throw new ChildUsage(`${name}: ${linkName}, a link type flowprobe does not read`);
    }
    opened.push({ name, handle, buffer });
    const ifindex = name === "any" ? 0 : numberOf(name, o.ifindexMap);
    const own = linktype === 1 ? macOf(name) : undefined;
    const row = rows.get(name)!;
    row.ifindex = ifindex;
    row.open = true;
    handle.on("packet", (nbytes) => {
      taken++;
      row.packets++;
      const pkttype = linktype === 1 ? ethernetType(buffer, own) : linktype === 113 ? buffer.readUInt16BE(0) : PACKET_HOST;
      if (pkttype === PACKET_OUTGOING && o.direction === "in") return; // (the shim's PACKET_IGNORE_OUTGOING)
      const caplen = Math.min(nbytes, o.snaplen);
      const need = L.BR_HEADER + ((caplen + 7) & ~7);
      if (stageLen + need > stage.length) flush(); // (a synchronous write: the stage is empty after it)
      const at = stageLen;
      stage.writeBigUInt64LE(base + process.hrtime.bigint(), at + L.BR_TS_NS);
      stage.writeUInt32LE(nbytes, at + L.BR_WIRE_LEN);
      stage.writeUInt32LE(caplen, at + L.BR_CAP_LEN);
      stage.writeUInt32LE(ifindex, at + L.BR_IFINDEX);
      stage.writeUInt8(pkttype, at + L.BR_PKTTYPE);
      stage.writeUInt16LE(linktype, at + L.BR_LINKTYPE);
      stage.writeUInt32LE(0, at + L.BR_VLAN_TCI); // libpcap puts VLAN tags back into the frame
      buffer.copy(stage, at + L.BR_HEADER, 0, caplen);
      stageLen += need;
      stageRecords++;
      queueFlush();
    });
    const msg = Buffer.alloc(4 + Buffer.byteLength(name));
    msg.writeUInt32LE(ifindex, 0);
    msg.write(name, 4);
    send(L.FP_IFACE, msg);
    return true;
  };
  const openWaiting = () => {
    for (const name of [...waiting]) if (tryOpen(name)) waiting.delete(name);
  };
  try {
    openWaiting();
  } catch (e) {
    if (!(e instanceof ChildUsage) && !(e instanceof ChildCannot)) throw e;
    say(e.message);
    return e instanceof ChildCannot ? 1 : 2;
  }
  for (const name of waiting) say(`${name} is missing or down; waiting for it`);

  // once a second: the statistics (flowprobe's tick), and interfaces still awaited
  const stats = () => {
    flush();
    rebase();
    for (const [name, r] of rows) send(L.FP_RING, ringMessage({ name, packets: BigInt(r.packets), drops: 0n, freezes: 0n, ifindex: r.ifindex, open: r.open }));
    const m = Buffer.alloc(32);
    m.writeBigUInt64LE(taken, 0);
    m.writeBigUInt64LE(0n, 8); // (libpcap's drops are not available through cap)
    m.writeBigUInt64LE(0n, 16);
    m.writeBigUInt64LE(BigInt(opened.length), 24);
    send(L.FP_STATS, m);
  };
  const ticker = setInterval(() => {
    try {
      openWaiting();
    } catch (e) {
      say((e as Error).message);
    }
    stats();
  }, 1000);

  await done;
  clearInterval(ticker);
  for (const c of opened) c.handle.close();
  flush();
  stats();
  try {
    fs.closeSync(out);
  } catch {
    // (closed with the reader gone)
  }
  opened.length = 0; // every handle is closed: the buffers may go
  return 0;
}
