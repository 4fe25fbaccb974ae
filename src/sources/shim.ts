// Live capture through the shim, flowprobe-capture (shim/flowprobe-capture.c), or through
// the cap child (cap.ts), which speaks the same protocol: it owns the AF_PACKET sockets and
// TPACKET_V3 rings and writes messages (FP_* in assembly/layout.ts) into a FIFO — batches of
// batch records (BR_*), its once-a-second statistics (each interface's ring counts, rings.ts,
// then the totals), the interfaces it opened. Each batch is read straight into the core's
// input region and metered with one call; the statistics message is this source's
// heartbeat: the app's tick runs then, between two batches.
//
// The shim is the only privileged part (CAP_NET_RAW, CAP_NET_ADMIN for --promisc). If it
// dies it is started again (its exit and the restart are logged); if it fails at start
// (bad filter, no permission) that is an error for the user.

import { spawn, spawnSync } from "node:child_process";
import * as os from "node:os";
import * as fs from "node:fs";
import * as path from "node:path";
import * as L from "../../assembly/layout";
import { captureArgs, type CaptureArgs } from "../config/capture-args";
import { CaptureError, UsageError } from "../errors";
import type { Meter } from "../meter/meter";
import { CAPTURE_CHILD } from "./cap";
import { RingRows } from "./rings";
import type { KernelCounters, LiveStatistics, Source } from "./source";

/** Wait before starting a shim that died again. */
const RESTART_DELAY_MS = 1000;
/** Between two attempts to release the FIFO's open after the shim exited. */
const FIFO_RELEASE_RETRY_MS = 10;

export interface LiveOptions extends CaptureArgs {
  /** shim: flowprobe-capture's rings (the default); cap: libpcap in a child process (cap.ts). */
  backend?: "shim" | "cap";
  /** The shim's path. */
  helper: string;
}

export interface ShimHooks {
  /** A line the shim (or this source) has to say. */
  onLog: (line: string) => void;
  /** Called once, when the shim captures on its first interface (e.g. to drop privileges). */
  onCapturing?: () => void;
  /** The heartbeat: called at each statistics message, between two batches, and awaited. */
  tick: () => Promise<void>;
}

/** Whether this is the single executable (node:sea is missing before Node 20.12: then not). */
function isSea(): boolean {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require("node:sea") as { isSea(): boolean }).isSea();
  } catch {
    return false;
  }
}

/** Where the shim is: beside the single executable, or beside the bundle. */
export function defaultHelper(): string {
  return path.join(isSea() ? path.dirname(process.execPath) : __dirname, "flowprobe-capture");
}

/** --capture cap: this program again (the single executable, or Node with this bundle) as the capture child (cap.ts). */
function captureChild(): [string, string[]] {
  return [process.execPath, isSea() ? [CAPTURE_CHILD] : [process.argv[1]!, CAPTURE_CHILD]];
}

/**
 * Opens the FIFO for reading once the shim has opened it for writing. If the shim exits first
 * (a bad filter, no permission), the pending open is released by opening the write end here
 * (without blocking) and closing it; then the first read finds the end of the stream. The
 * open runs in libuv's thread pool and may not have reached the kernel when the shim is
 * already gone: a write end opened while no reader waits fails (ENXIO) and would leave the
 * open waiting for ever, so the release is tried again until the open has returned.
 */
async function openFifo(fifo: string, exited: Promise<unknown>): Promise<number> {
  let settled = false;
  const opening = new Promise<number>((resolve, reject) => fs.open(fifo, fs.constants.O_RDONLY, (err, fd) => {
    settled = true;
    if (err) reject(err);
    else resolve(fd);
  }));
  void exited.then(async () => {
    while (!settled) {
      try {
        fs.closeSync(fs.openSync(fifo, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK));
      } catch {
        // no reader waiting yet (or it had opened already): nothing to release now
      }
      await new Promise((r) => setTimeout(r, FIFO_RELEASE_RETRY_MS));
    }
  });
  return opening;
}

function removeDir(dir: string): void {
  try {
    fs.rmSync(dir, { recursive: true, force: true });
  } catch {
    // made before --user dropped the privileges it needs: /tmp is cleaned by the system
  }
}

/** Reads exactly `len` bytes into buf at `at`; false at the end of the stream (the shim exited). */
async function readFully(fd: number, buf: Uint8Array, at: number, len: number): Promise<boolean> {
  while (len > 0) {
    const n = await new Promise<number>((resolve, reject) => fs.read(fd, buf, at, len, null, (err, bytes) => (err ? reject(err) : resolve(bytes))));
    if (n === 0) return false;
    at += n;
    len -= n;
  }
  return true;
}

export class ShimSource implements Source {
  readonly label: string;
  readonly ticksItself = true;
  private readonly backend: "shim" | "cap";
  private readonly stopping = new AbortController();
  private readonly stats: LiveStatistics;
  private readonly rings = new RingRows();

  constructor(private readonly meter: Meter, private readonly o: LiveOptions, private readonly hooks: ShimHooks) {
    this.backend = o.backend ?? "shim";
    this.label = `live ${o.interfaces.join(",")}`;
    this.stats = { kind: "live", kernel: { packets: 0n, drops: 0n, freezes: 0n }, rings: this.rings.rows, interfaces: new Map(), restarts: 0, backend: this.backend, firstPacketNs: 0n };
  }

  async start(): Promise<void> {
    const o = this.o;
    if (this.backend === "shim" && !fs.existsSync(o.helper)) throw new UsageError(`the capture shim ${o.helper} is missing (build it with npm run build, or give --capture-helper)`);
    this.meter.core.x.setSkipOtherhost(o.promisc ? 0 : 1);
    warnMissingInterfaces(o.interfaces, this.hooks.onLog);
  }

  stop(): void {
    this.stopping.abort();
  }

  /** Kept up to date as capture goes on. */
  statistics(): LiveStatistics {
    return this.stats;
  }

  async run(): Promise<void> {
    const { meter, o, hooks, backend } = this;
    const stopSignal = this.stopping.signal;
    const result = this.stats;
    const what = backend === "cap" ? "the libpcap capture process" : "the capture shim";
    const carried: KernelCounters = { packets: 0n, drops: 0n, freezes: 0n }; // totals of shims that died

    /** Meters the `records` batch records that lie in the input region from its start: one
     * call (more when the output region fills and must be drained between). */
    const meterBatch = async (records: number, bytes: number) => {
      const x = meter.core.x;
      while (records > 0) {
        const used = x.walkBatch(records);
        const done = meter.core.status(L.ST_PACKETS);
        const code = meter.core.status(L.ST_CODE);
        await meter.drain();
        if (code !== L.WALK_OUTPUT_FULL) break;
        records -= done;
        bytes -= used;
        meter.core.input().copyWithin(0, used, used + bytes);
      }
    };

    for (let started = 0; ; started++) {
      if (stopSignal.aborted) break;
      // the shim writes into a FIFO that is read straight into Wasm memory (its stdout would
      // come as freshly allocated chunks, to be joined and copied again)
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "flowprobe-"));
      const fifo = path.join(dir, "capture");
      const mk = spawnSync("mkfifo", ["-m", "600", fifo], { encoding: "utf8" });
      if (mk.status !== 0) throw new CaptureError(`cannot make the capture FIFO ${fifo}: ${mk.stderr || mk.error?.message}`);
      // stdin is the shim's stop line: closing it stops the shim, also once --user has made this
      // process unable to signal it; and the shim ends by itself if this process dies
      const [cmd, argv] = backend === "cap" ? captureChild() : [o.helper, []];
      const child = spawn(cmd, [...argv, ...captureArgs(o), "--output", fifo], { stdio: ["pipe", "ignore", "pipe"] });
      child.stdin!.on("error", () => {}); // (it may have exited already)
      const stopChild = () => child.stdin!.end();
      stopSignal.addEventListener("abort", stopChild, { once: true });
      let stderr = "";
      let opened = false;
      child.stderr!.setEncoding("utf8");
      child.stderr!.on("data", (d: string) => {
        stderr += d;
        for (;;) {
          const nl = stderr.indexOf("\n");
          if (nl < 0) break;
          // cap's C code warns on every interface without an IPv4 address (pcap_lookupnet,
          // needed only for filters on IPv4 broadcast): not the operator's concern
          if (backend !== "cap" || !/^Warning: .*This may not actually work$/.test(stderr.slice(0, nl))) hooks.onLog(stderr.slice(0, nl));
          stderr = stderr.slice(nl + 1);
        }
      });
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
        child.on("close", (code, signal) => resolve({ code, signal })));
      let spawnFailed: Error | undefined; // (Node emits "close" after a spawn "error" too)
      child.on("error", (e) => (spawnFailed = e));

      const head = Buffer.alloc(8);
      try {
        const fd = await openFifo(fifo, exited);
        removeDir(dir); // both ends are open: the name is no longer needed
        try {
          for (;;) {
            if (!(await readFully(fd, head, 0, L.FP_HEADER))) break;
            const type = head.readUInt32LE(0);
            const len = head.readUInt32LE(4);
            if (type === L.FP_BATCH && len >= 8 && len - 8 <= L.INPUT_SIZE) {
              if (!(await readFully(fd, head, 0, 8))) break; // u32 records, u32 0
              const records = head.readUInt32LE(0);
              // straight into the core's input region: no copy, no buffer to allocate
              if (!(await readFully(fd, meter.core.input(), 0, len - 8))) break;
              // (the first packet since the tick: one read per batch, for the rates)
              if (result.firstPacketNs === 0n && records > 0) result.firstPacketNs = meter.core.dv.getBigUint64(L.INPUT_BASE + L.BR_TS_NS, true);
              await meterBatch(records, len - 8);
              continue;
            }
            const payload = Buffer.alloc(len);
            if (!(await readFully(fd, payload, 0, len))) break;
            if (type === L.FP_RING) {
              this.rings.stage(payload);
            } else if (type === L.FP_STATS) {
              this.rings.commit();
              result.kernel = {
                packets: carried.packets + payload.readBigUInt64LE(0),
                drops: carried.drops + payload.readBigUInt64LE(8),
                freezes: carried.freezes + payload.readBigUInt64LE(16),
              };
              await hooks.tick();
              result.firstPacketNs = 0n; // (the tick has read it)
            } else if (type === L.FP_IFACE) {
              if (!opened && started === 0) hooks.onCapturing?.();
              opened = true;
              const ifindex = payload.readUInt32LE(0);
              const name = payload.subarray(4).toString("utf8");
              result.interfaces.set(ifindex, name);
              hooks.onLog(`flowprobe: capturing on ${name}${ifindex ? ` (ifindex ${ifindex})` : ""}`);
            }
          }
        } finally {
          fs.closeSync(fd);
        }
      } finally {
        stopSignal.removeEventListener("abort", stopChild);
        removeDir(dir);
      }
      const end = await exited;
      if (spawnFailed) throw new CaptureError(`cannot start ${what} ${cmd}: ${spawnFailed.message}`, spawnFailed);
      if (stderr) hooks.onLog(stderr.trimEnd());
      if (stopSignal.aborted) break;
      if (!opened && started === 0 && end.code === 2) throw new UsageError(`${what} refused the capture options; see its message above`);
      if (!opened && started === 0 && end.code === 1) throw new CaptureError(`${what} could not start; see its message above`);
      carried.packets = result.kernel.packets;
      carried.drops = result.kernel.drops;
      carried.freezes = result.kernel.freezes;
      this.rings.restarted();
      hooks.onLog(`flowprobe: ${what} ended (${end.signal ?? `exit status ${end.code}`}); starting it again in ${RESTART_DELAY_MS / 1000} s`);
      result.restarts++;
      await new Promise((r) => setTimeout(r, RESTART_DELAY_MS));
    }
  }
}

/** An interface that does not exist is waited for (a PPP link comes and goes), but a typo
 * should be plain to see: say so, with the interfaces there are. */
function warnMissingInterfaces(names: string[], onLog: (line: string) => void): void {
  if (names.includes("any")) return;
  let present: string[];
  try {
    present = fs.readdirSync("/sys/class/net").sort();
  } catch {
    return; // no sysfs: nothing to compare with
  }
  const missing = names.filter((n) => !present.includes(n));
  if (missing.length === 0) return;
  onLog(`flowprobe: warning: no interface ${missing.join(", ")} here now; waiting for ${missing.length > 1 ? "them" : "it"} to appear (a PPP or VPN link may come later). The interfaces here: ${present.join(", ")}`);
}
