// Capture files: classic pcap and pcapng, streamed through the core's input region.
//
// File blocks are read with fs.readSync straight into Wasm memory (no copy); a pipe or socket
// (standard input) is read as a stream whose chunks are copied in, so a quiet stream never
// blocks the event loop. The core walks
// the records and meters them, one call per block of thousands of packets. The host only
// reads the file header, pcapng section and interface blocks (SHB, IDB: their options), and
// turns the core's damage reports into errors that name the byte offset.
// Memory is constant for any file size: one input region, whatever the file.
//
// Formats: pcap — https://www.ietf.org/archive/id/draft-ietf-opsawg-pcap-04.html;
// pcapng — https://www.ietf.org/archive/id/draft-ietf-opsawg-pcapng-02.html.

import * as fs from "node:fs";
import * as net from "node:net";
import type { Readable } from "node:stream";
import * as L from "../../assembly/layout";
import { CaptureFormatError, IoError, UsageError } from "../errors";
import type { Meter } from "../meter/meter";
import type { FileStatistics, Source } from "./source";

/** LINKTYPE_* values the core parses (shared/pcaps/README.md). */
export const KNOWN_LINKTYPES: ReadonlyMap<number, string> = new Map([
  [0, "BSD loopback (NULL)"], [1, "Ethernet"], [9, "PPP"], [12, "raw IP"], [14, "raw IP"],
  [101, "raw IP"], [108, "OpenBSD loopback"], [113, "Linux cooked (SLL)"], [228, "raw IPv4"],
  [229, "raw IPv6"], [276, "Linux cooked v2 (SLL2)"],
]);

const PCAP_MAGIC_US = 0xa1b2c3d4;
const PCAP_MAGIC_NS = 0xa1b23c4d;
const PCAPNG_SHB = 0x0a0d0d0a;
const PCAPNG_BOM = 0x1a2b3c4d;
const IDB_OPT_NAME = 2;
const LINKTYPE_SLL2 = 276;
const IDB_OPT_TSRESOL = 9;
const IDB_OPT_TSOFFSET = 14;

export interface FileProgress {
  bytes: number;
  packets: bigint;
}

export interface FileResult {
  kind: "pcap" | "pcapng";
  bytes: number;
  warnings: string[];
  /** True when shouldStop ended the read before the end of the file. */
  stopped: boolean;
}

/** Thrown inside the reader when FileReadOptions.shouldStop says so; meterFile returns normally. */
class StopRequested extends Error {}

/** Walk calls between turns of the event loop (each call is up to 1 MiB of file). */
const YIELD_EVERY_WALKS = 4;

export interface FileReadOptions {
  /** Asked between blocks; true ends the read early (e.g. on SIGTERM), keeping what was metered. */
  shouldStop?: () => boolean;
  /** Aborted when reading should stop at once, even while a quiet pipe is being waited on. */
  stopSignal?: AbortSignal;
  /** Called between blocks; cheap to call often (the caller rate-limits). */
  onProgress?: (p: FileProgress) => void;
  onWarning?: (message: string) => void;
}

/** A capture file (or standard input for "-") as a source: its blocks read straight into the
 * core's input region, walked with one call per block. */
export class FileSource implements Source {
  readonly label: string;
  readonly ticksItself = false;
  private readonly stopping = new AbortController();
  private fd = -1;
  private regular = true;
  private stream: Readable | undefined;
  private reader: BlockReader | undefined;
  private size = -1;
  /** What run() found, once it has returned. */
  result: FileResult | undefined;

  constructor(private readonly meter: Meter, private readonly file: string, private readonly opts: FileReadOptions = {}) {
    this.label = file === "-" ? "<stdin>" : file;
    if (opts.stopSignal?.aborted) this.stopping.abort();
    else opts.stopSignal?.addEventListener("abort", () => this.stopping.abort(), { once: true });
  }

  async start(): Promise<void> {
    const file = this.file;
    try {
      this.fd = file === "-" ? 0 : fs.openSync(file, "r");
    } catch (e) {
      throw new IoError(`cannot open ${file}: ${(e as Error).message}`, e);
    }
    try {
      const st = fs.fstatSync(this.fd);
      if (st.isDirectory()) throw new UsageError(`${file} is a directory: give a capture file (pcap or pcapng), or - for standard input`);
      // a block device reads like a file; a pipe, socket or terminal is a stream
      this.regular = st.isFile() || st.isBlockDevice();
      this.size = this.regular ? st.size : -1;
      // a pipe, socket or terminal is read as a stream (libuv polls it; no thread blocks in a
      // read that only the writer can end, which would also hold up the exit after SIGTERM)
      this.stream = this.regular ? undefined : this.fd === 0 ? process.stdin : new net.Socket({ fd: this.fd, readable: true, writable: false });
    } catch (e) {
      this.close();
      throw e;
    }
    const opts: FileReadOptions = {
      ...this.opts,
      shouldStop: () => this.stopping.signal.aborted || (this.opts.shouldStop?.() ?? false),
      stopSignal: this.stopping.signal,
    };
    this.reader = new BlockReader(this.meter, this.fd, this.label, this.size, opts, this.stream);
  }

  async run(): Promise<void> {
    try {
      this.result = await this.reader!.run();
    } finally {
      this.close();
    }
  }

  stop(): void {
    this.stopping.abort();
  }

  statistics(): FileStatistics {
    return { kind: "file", bytes: this.result?.bytes ?? this.reader?.bytesRead ?? 0, size: this.size };
  }

  private close(): void {
    // a stream's fd is closed with the stream (destroy); a regular file's is closed here
    this.stream?.destroy();
    this.stream = undefined;
    if (this.fd > 0 && this.regular) fs.closeSync(this.fd);
    this.fd = -1;
  }
}

/** Reads a whole capture file (or standard input for "-") through the meter. */
export async function meterFile(meter: Meter, file: string, opts: FileReadOptions = {}): Promise<FileResult> {
  const source = new FileSource(meter, file, opts);
  await source.start();
  await source.run();
  return source.result!;
}

/** The chunks of a readable stream, one at a time (paused while none is wanted). */
class ChunkQueue {
  private readonly ready: Buffer[] = [];
  private ended = false;
  private error: Error | undefined;
  private wake: (() => void) | undefined;

  constructor(private readonly stream: Readable) {
    stream.on("data", (c: Buffer) => {
      this.ready.push(c);
      stream.pause();
      this.wake?.();
    });
    stream.on("end", () => {
      this.ended = true;
      this.wake?.();
    });
    stream.on("error", (e: Error) => {
      this.error = e;
      this.wake?.();
    });
  }

  /** The next chunk, or null at the end. Rejects with StopRequested when `stop` aborts first. */
  async next(stop?: AbortSignal): Promise<Buffer | null> {
    for (;;) {
      const c = this.ready.shift();
      if (c) return c;
      if (this.error) throw this.error;
      if (this.ended) return null;
      if (stop?.aborted) throw new StopRequested();
      this.stream.resume();
      await new Promise<void>((resolve) => {
        const onStop = () => resolve();
        stop?.addEventListener("abort", onStop, { once: true });
        this.wake = () => {
          stop?.removeEventListener("abort", onStop);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }
}

class BlockReader {
  private fill = 0; // bytes valid in the input region
  private base = 0; // file offset of input[0]
  private eof = false;
  private readonly warnings: string[] = [];
  private ifnames: Array<[number, string]> = []; // this section's IDB names, for the collectors
  private walks = 0;

  /** Bytes of the file read past so far. */
  get bytesRead(): number {
    return this.base;
  }

  constructor(
    private readonly meter: Meter,
    private readonly fd: number,
    private readonly name: string,
    private readonly size: number,
    private readonly opts: FileReadOptions,
    stream?: Readable,
  ) {
    this.chunks = stream ? new ChunkQueue(stream) : undefined;
  }

  private readonly chunks: ChunkQueue | undefined;
  /** The part of the last stream chunk that did not fit the region yet. */
  private leftover: Buffer | undefined;

  async run(): Promise<FileResult> {
    try {
      return await this.runFormats();
    } catch (e) {
      if (e instanceof StopRequested) return { kind: this.kind, bytes: this.base + this.fill, warnings: this.warnings, stopped: true };
      throw e;
    }
  }

  private kind: "pcap" | "pcapng" = "pcap";

  private async runFormats(): Promise<FileResult> {
    await this.refill(24); // the pcap file header; a pcapng section header is read with ensure()
    const dv = this.meter.core.dv;
    if (this.fill === 0) throw this.damage(0, "empty file: no capture file header");
    if (this.fill < 4) throw this.damage(0, `only ${this.fill} bytes: too short for a capture file header`);
    const magicLE = dv.getUint32(L.INPUT_BASE, true);
    const magicBE = dv.getUint32(L.INPUT_BASE, false);
    if (magicLE === PCAPNG_SHB) {
      this.kind = "pcapng";
      await this.runPcapng();
      return { kind: "pcapng", bytes: this.base + this.fill, warnings: this.warnings, stopped: false };
    }
    for (const [magic, swapped] of [[magicLE, false], [magicBE, true]] as const) {
      if (magic === PCAP_MAGIC_US || magic === PCAP_MAGIC_NS) {
        await this.runPcap(swapped, magic === PCAP_MAGIC_NS);
        return { kind: "pcap", bytes: this.base + this.fill, warnings: this.warnings, stopped: false };
      }
    }
    const hex = [...this.meter.core.u8.subarray(L.INPUT_BASE, L.INPUT_BASE + 4)].map((b) => b.toString(16).padStart(2, "0")).join(" ");
    throw this.damage(0, `not a capture file: first bytes ${hex} are no pcap or pcapng magic number`);
  }

  // ---- classic pcap ----

  private async runPcap(swapped: boolean, nanos: boolean): Promise<void> {
    if (this.fill < 24) {
      throw this.damage(0, `file is ${this.fill} bytes, too short for the 24-byte pcap file header`);
    }
    const dv = this.meter.core.dv;
    const le = !swapped;
    const snaplen = dv.getUint32(L.INPUT_BASE + 16, le);
    // the upper bits of the link-type field carry FCS information (pcap draft §4)
    const linktype = dv.getUint32(L.INPUT_BASE + 20, le) & 0xffff;
    if (!KNOWN_LINKTYPES.has(linktype)) {
      throw this.damage(20, `link type ${linktype} is not one flowprobe reads (it reads ${[...KNOWN_LINKTYPES.keys()].join(", ")})`);
    }
    let at = 24;
    const x = this.meter.core.x;
    for (;;) {
      this.shift(at);
      const used = x.walkPcap(this.fill, swapped ? 1 : 0, nanos ? 1 : 0, linktype, snaplen);
      const code = this.meter.core.status(L.ST_CODE);
      await this.afterWalk();
      at = used;
      this.progress();
      if (code === L.WALK_DAMAGED) throw this.walkDamage(at);
      if (code === L.WALK_NEED_DATA) {
        if (this.eof) {
          if (at < this.fill) {
            const left = this.fill - at;
            throw this.damage(at, left < 16
              ? `file ends ${left} bytes into the 16-byte header of the record starting here`
              : `file ends ${left - 16} bytes into the packet data of the record starting here (it claims ${this.meter.core.dv.getUint32(L.INPUT_BASE + at + 8, !swapped)})`);
          }
          return;
        }
        this.shift(at);
        at = 0;
        await this.refill();
      }
    }
  }

  // ---- pcapng ----

  private async runPcapng(): Promise<void> {
    const x = this.meter.core.x;
    let swapped = false;
    let ifaces = 0;
    let at = 0;
    for (;;) {
      this.shift(at);
      at = 0;
      const used = x.walkPcapng(this.fill, swapped ? 1 : 0);
      const code = this.meter.core.status(L.ST_CODE);
      await this.afterWalk();
      at = used;
      this.progress();
      if (code === L.WALK_DAMAGED) throw this.walkDamage(at);
      if (code === L.WALK_OUTPUT_FULL) continue;
      if (code === L.WALK_HOST_BLOCK) {
        this.shift(at);
        at = 0;
        if (this.meter.core.dv.getUint32(L.INPUT_BASE, true) === PCAPNG_SHB) {
          if (!(await this.ensure(12))) throw this.damage(0, "file ends inside a section header block");
          const bom = this.meter.core.dv.getUint32(L.INPUT_BASE + 8, true);
          if (bom === PCAPNG_BOM) swapped = false;
          else if (bom === 0x4d3c2b1a) swapped = true;
          else throw this.damage(0, `section header block with byte-order magic ${bom.toString(16)}, not 1a2b3c4d`);
          const len = await this.blockLength(swapped, 28);
          ifaces = 0;
          x.setInterfaceCount(0);
          this.ifnames = [];
          at += len;
          continue;
        }
        // interface description block
        const len = await this.blockLength(swapped, 20);
        if (ifaces < L.IFACE_MAX) {
          this.describeInterface(len, swapped, ifaces);
          ifaces++;
          x.setInterfaceCount(ifaces);
        } else if (ifaces++ === L.IFACE_MAX) {
          this.warn(`more than ${L.IFACE_MAX} interfaces in one section: packets of the others are skipped (counted as an undescribed interface)`);
        }
        at += len;
        continue;
      }
      // WALK_NEED_DATA
      const left = this.fill - at;
      if (this.eof) {
        if (left === 0) return;
        if (left < 8) throw this.damage(at, `file ends ${left} bytes into the block starting here`);
        const len = this.meter.core.dv.getUint32(L.INPUT_BASE + at + 4, !swapped);
        throw this.damage(at, `block claims a length of ${len} bytes but the file ends ${left} bytes into it`);
      }
      if (at === 0 && this.fill === L.INPUT_SIZE) {
        // one block larger than the whole input region
        at = await this.skipHugeBlock(swapped);
        continue;
      }
      this.shift(at);
      at = 0;
      await this.refill();
    }
  }

  /** A block longer than the input region: damaged if past the end of the file, else skipped unread. */
  private async skipHugeBlock(swapped: boolean): Promise<number> {
    const dv = this.meter.core.dv;
    const type = dv.getUint32(L.INPUT_BASE, !swapped);
    const len = dv.getUint32(L.INPUT_BASE + 4, !swapped);
    if (this.size >= 0 && this.base + len > this.size) {
      throw this.damage(0, `block claims a length of ${len} bytes, past the end of the file (${this.size} bytes)`);
    }
    if (type === 6 || type === 2 || type === 3) {
      // a packet block this large holds more than any capture limit allows (the core's rule for records)
      throw this.damage(0, `packet block of ${len} bytes: larger than any record flowprobe reads (${L.INPUT_SIZE / 2} bytes)`);
    }
    let remaining = len;
    const start = this.base;
    while (remaining > 0) {
      if (this.fill === 0) {
        if (this.eof) throw this.damage(start - this.base, `block claims a length of ${len} bytes, past the end of the file`);
        await this.refill();
        continue;
      }
      const n = Math.min(remaining, this.fill);
      this.shift(n);
      remaining -= n;
    }
    return 0;
  }

  /** Length of the header block at the start of the region, which is then wholly in it. */
  private async blockLength(swapped: boolean, min: number): Promise<number> {
    if (!(await this.ensure(8))) throw this.damage(0, "file ends inside a block header");
    const len = this.meter.core.dv.getUint32(L.INPUT_BASE + 4, !swapped);
    if (len < min) throw this.damage(0, `block length ${len} is under the ${min} bytes this block type needs`);
    if (len % 4 !== 0) throw this.damage(0, `block length ${len} is not a multiple of 4`);
    if (len > L.INPUT_SIZE) throw this.damage(0, `header block length ${len} is larger than flowprobe reads (${L.INPUT_SIZE})`);
    if (!(await this.ensure(len))) throw this.damage(0, `block claims a length of ${len} bytes but the file ends inside it`);
    return len;
  }

  /** After each walk call: hand the output on (waiting when the sink paces), let signals and
   * timers run, and stop early when asked to. */
  private async afterWalk(): Promise<void> {
    const pending = this.meter.drain();
    if (pending) await pending;
    if (++this.walks % YIELD_EVERY_WALKS === 0) await new Promise<void>((resolve) => setImmediate(resolve));
    if (this.opts.shouldStop?.()) throw new StopRequested();
  }

  /** Fills interface `i` of the core's table from the IDB at the start of the region. */
  private describeInterface(len: number, swapped: boolean, i: number): void {
    const dv = this.meter.core.dv;
    const le = !swapped;
    const b = L.INPUT_BASE;
    const linktype = dv.getUint16(b + 8, le);
    const snaplen = dv.getUint32(b + 12, le);
    let tsresol = 6; // default µs (pcapng draft §4.2, if_tsresol)
    let offsetS = 0n;
    for (let o = 16; o + 4 <= len - 4;) {
      const code = dv.getUint16(b + o, le);
      const olen = dv.getUint16(b + o + 2, le);
      if (code === 0) break;
      if (o + 4 + olen > len - 4) break;
      if (code === IDB_OPT_TSRESOL && olen >= 1) tsresol = dv.getUint8(b + o + 4);
      if (code === IDB_OPT_TSOFFSET && olen >= 8) offsetS = dv.getBigInt64(b + o + 4, le);
      // (SLL2 packets carry the kernel's ifindex, not this interface's number: no name for it)
      if (code === IDB_OPT_NAME && olen > 0 && linktype !== LINKTYPE_SLL2) {
        const name = Buffer.from(this.meter.core.u8.subarray(b + o + 4, b + o + 4 + olen)).toString("utf8").replace(/\0+$/, "");
        if (name) this.ifnames.push([i + 1, name]);
      }
      o += 4 + ((olen + 3) & ~3);
    }
    const p = L.IFACES_BASE + i * L.IFACE_SIZE;
    const w = this.meter.core.dv;
    w.setUint32(p + L.IF_LINKTYPE, linktype, true);
    w.setUint32(p + L.IF_SNAPLEN, snaplen, true);
    // if_tsresol: high bit clear = 10^-n seconds, set = 2^-n seconds
    const n = tsresol & 0x7f;
    if (tsresol & 0x80) {
      w.setUint32(p + L.IF_TS_KIND, 2, true);
      w.setUint32(p + L.IF_TS_PARAM, Math.min(n, 63), true);
    } else if (n <= 9) {
      w.setUint32(p + L.IF_TS_KIND, 0, true);
      w.setUint32(p + L.IF_TS_PARAM, 10 ** (9 - n), true);
    } else {
      w.setUint32(p + L.IF_TS_KIND, 1, true);
      w.setUint32(p + L.IF_TS_PARAM, 10 ** Math.min(n - 9, 9), true);
    }
    w.setBigInt64(p + L.IF_OFFSET_NS, offsetS * 1_000_000_000n, true);
    w.setUint32(p + L.IF_IFINDEX, i + 1, true);
    this.meter.core.setInterfaceNames(this.ifnames);
    if (!KNOWN_LINKTYPES.has(linktype)) {
      this.warn(`interface ${i} has link type ${linktype}, which flowprobe does not read: its packets are counted as skipped`);
    }
  }

  // ---- buffer management ----

  /** Drops the first `n` bytes of the region, keeping the rest at its start. */
  private shift(n: number): void {
    if (n === 0) return;
    const input = this.meter.core.input();
    if (n < this.fill) input.copyWithin(0, n, this.fill);
    this.fill -= n;
    this.base += n;
  }

  /**
   * Reads more into the region: a regular file fills the whole region (fewest calls); a
   * stream returns as soon as the region holds `atLeast` bytes, so that a live stream
   * (`tcpdump -w - | flowprobe -r -`) is metered and exported as it comes rather than a
   * mebibyte later. Stops early at the end of the input.
   */
  private async refill(atLeast = this.fill + 1): Promise<void> {
    const input = this.meter.core.input();
    if (this.chunks) {
      const want = Math.min(input.length, atLeast);
      while (!this.eof && this.fill < want) await this.fromStream(input);
      return;
    }
    while (!this.eof && this.fill < input.length) {
      let n: number;
      try {
        n = fs.readSync(this.fd, input, this.fill, input.length - this.fill, null);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "EOF") n = 0;
        else throw new IoError(`reading ${this.name}: ${(e as Error).message}`, e);
      }
      if (n === 0) this.eof = true;
      this.fill += n;
    }
  }

  /**
   * Copies the next stream chunk (or what fits of it) into the region. While the stream is
   * quiet the event loop runs (send results, timers, signals); stopSignal ends the wait.
   */
  private async fromStream(input: Uint8Array): Promise<void> {
    let chunk = this.leftover;
    this.leftover = undefined;
    if (!chunk) {
      let next: Buffer | null;
      try {
        next = await this.chunks!.next(this.opts.stopSignal);
      } catch (e) {
        if (e instanceof StopRequested) throw e;
        throw new IoError(`reading ${this.name}: ${(e as Error).message}`, e);
      }
      if (next === null) {
        this.eof = true;
        return;
      }
      chunk = next;
    }
    const n = Math.min(chunk.length, input.length - this.fill);
    input.set(chunk.subarray(0, n), this.fill);
    this.fill += n;
    if (n < chunk.length) this.leftover = chunk.subarray(n);
  }

  /** Makes sure the first `len` bytes of the region hold data; false when the input ends first. */
  private async ensure(len: number): Promise<boolean> {
    if (len > this.fill) await this.refill(len);
    return len <= this.fill;
  }

  private progress(): void {
    this.opts.onProgress?.({ bytes: this.base, packets: this.meter.core.counter(L.C_READ) });
  }

  private warn(message: string): void {
    this.warnings.push(message);
    this.opts.onWarning?.(`${this.name}: ${message}`);
  }

  private damage(at: number, what: string): CaptureFormatError {
    return new CaptureFormatError(this.name, this.base + at, what);
  }

  private walkDamage(at: number): CaptureFormatError {
    const kind = this.meter.core.status(L.ST_DAMAGE_KIND);
    const value = this.meter.core.status(L.ST_DAMAGE_VALUE);
    const what: Record<number, string> = {
      [L.DAMAGE_CAPLEN_OVER_WIRELEN]: `record's captured length ${value} exceeds its length on the wire`,
      [L.DAMAGE_CAPLEN_OVER_SNAPLEN]: `record's captured length ${value} exceeds both the snap length and 262144 bytes`,
      [L.DAMAGE_BLOCK_TOO_SHORT]: `block length ${value} is under the minimum for its block type`,
      [L.DAMAGE_BLOCK_UNALIGNED]: `block length ${value} is not a multiple of 4`,
      [L.DAMAGE_CAPLEN_OVER_BLOCK]: `packet's captured length ${value} runs past the end of its block`,
      [L.DAMAGE_TRAILER_MISMATCH]: `block's trailing length differs from its leading length ${value}`,
    };
    return this.damage(at, `damaged ${what[kind] ?? `record (kind ${kind})`}`);
  }
}
