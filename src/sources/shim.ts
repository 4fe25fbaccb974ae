// Live capture through the shim, flowprobe-capture (shim/flowprobe-capture.c): it owns the
// AF_PACKET sockets and TPACKET_V3 rings and writes messages (FP_* in assembly/layout.ts) —
// batches of batch records (BR_*) among them — into a FIFO. Here each batch is read straight into the core's input region and
// metered with one call; the shim's once-a-second statistics message is also the host tick
// that ages idle flows and sends partly filled datagrams from a quiet link.
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
import { readRoutes, loadRoutes, loadSides, numberOf, readInterfaceNames } from "../host/routes";

/** Packets may still be in the rings this long after their time when a tick comes. */
const TICK_LAG_NS = 2_000_000_000n;
/** A change of realtime − monotonic larger than this between ticks is a step of the clock. */
const CLOCK_STEP_MS = 2000;
/** Ticks (seconds) between readings of the routing table. */
const ROUTES_EVERY_TICKS = 5;
/** Wait before starting a shim that died again. */
const RESTART_DELAY_MS = 1000;

export interface LiveOptions extends CaptureArgs {
  /** shim: flowprobe-capture's rings (the default); cap: libpcap in this process (cap.ts). */
  backend?: "shim" | "cap";
  /** The shim's path. */
  helper: string;
  /** LAN and WAN interface names, for upload/download in the JSON output. */
  lan?: string[];
  wan?: string[];
}

export interface LiveHooks {
  /** Aborted to stop capturing (SIGINT/SIGTERM): the shim hands over what it holds, then this returns. */
  stopSignal: AbortSignal;
  /** A line the shim (or this loop) has to say. */
  onLog: (line: string) => void;
  /** Called once, when the shim captures on its first interface (e.g. to drop privileges). */
  onCapturing?: () => void;
  /** A "reload" event on it (SIGHUP) reads the routes and interface names again at once. */
  reloadSignal?: EventTarget;
  /** Called at the start with the result object, which is kept up to date as capture goes on (for statistics on request). */
  onStart?: (result: LiveResult) => void;
  /** Clocks, ms: the system's (realtime, as packets are stamped) and a monotonic one (injected for tests). */
  clock?: { realtimeMs(): number; monotonicMs(): number };
}

export interface KernelCounters {
  /** Packets the kernel took for the rings (drops included). */
  packets: bigint;
  /** Packets the kernel dropped because a ring was full. */
  drops: bigint;
  /** Times a ring was frozen full. */
  freezes: bigint;
}

export interface LiveResult {
  kernel: KernelCounters;
  /** ifindex → interface name, as the shim opened them. */
  interfaces: Map<number, string>;
  /** Times the shim was started again after it died. */
  restarts: number;
  /** Steps of the system clock seen (each exported every active flow and restarted aging). */
  clockSteps: number;
  /** shim, or cap: the libpcap child, which reports no drops (cap does not give libpcap's). */
  backend: "shim" | "cap";
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
 * (without blocking) and closing it; then the first read finds the end of the stream.
 */
async function openFifo(fifo: string, exited: Promise<unknown>): Promise<number> {
  const opening = new Promise<number>((resolve, reject) => fs.open(fifo, fs.constants.O_RDONLY, (err, fd) => (err ? reject(err) : resolve(fd))));
  void exited.then(() => {
    try {
      fs.closeSync(fs.openSync(fifo, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK));
    } catch {
      // no reader waiting (it had opened already): nothing to release
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

export async function meterLive(meter: Meter, o: LiveOptions, hooks: LiveHooks): Promise<LiveResult> {
  const backend = o.backend ?? "shim";
  if (backend === "shim" && !fs.existsSync(o.helper)) throw new UsageError(`the capture shim ${o.helper} is missing (build it with npm run build, or give --capture-helper)`);
  const x = meter.core.x;
  x.setSkipOtherhost(o.promisc ? 0 : 1);
  const clock = hooks.clock ?? { realtimeMs: () => Date.now(), monotonicMs: () => performance.now() };
  const nowNs = () => BigInt(Math.round(clock.realtimeMs())) * 1_000_000n;
  const result: LiveResult = { kernel: { packets: 0n, drops: 0n, freezes: 0n }, interfaces: new Map(), restarts: 0, clockSteps: 0, backend };
  hooks.onStart?.(result);
  warnMissingInterfaces(o.interfaces, hooks.onLog);
  const what = backend === "cap" ? "the libpcap capture process" : "the capture shim";
  const carried: KernelCounters = { packets: 0n, drops: 0n, freezes: 0n }; // totals of shims that died

  /** Meters the `records` batch records that lie in the input region from its start: one
   * call (more when the output region fills and must be drained between). */
  const meterBatch = async (records: number, bytes: number) => {
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

  // the routing table, for egress interface and next hop, and the interface names: now, then
  // every few ticks when changed
  let routesSeen = "";
  let ticks = 0;
  /** Returns how many routes and interface names it read. */
  const refreshRoutes = (): [number, number] => {
    // the LAN/WAN interfaces too: one that was recreated has a new ifindex
    const numbers = (names: string[] | undefined) => (names ?? []).map((n) => numberOf(n, o.ifindexMap)).filter((n) => n > 0);
    loadSides(meter.core, numbers(o.lan), numbers(o.wan));
    const names = readInterfaceNames(o.ifindexMap);
    meter.core.setInterfaceNames(names); // for the collectors (IE 82)
    const routes = readRoutes(o.ifindexMap);
    const text = JSON.stringify(routes);
    if (text === routesSeen) return [routes.length, names.length];
    routesSeen = text;
    const n = loadRoutes(meter.core, routes);
    if (n < routes.length) hooks.onLog(`flowprobe: warning: ${routes.length} routes; the ${n} with the longest prefixes are used for egress interfaces and next hops`);
    return [routes.length, names.length];
  };
  refreshRoutes();
  const onReload = () => {
    const [routes, names] = refreshRoutes();
    hooks.onLog(`flowprobe: SIGHUP: read the routes (${routes}) and interface names (${names}) again; capture and metering go on`);
  };
  hooks.reloadSignal?.addEventListener("reload", onReload);

  // a step of the system clock (NTP setting a router's clock after boot) shows as a change of
  // realtime - monotonic between ticks; the packets' stamps jump with it
  let clockOffset: number | undefined;
  const checkClock = async () => {
    const offset = clock.realtimeMs() - clock.monotonicMs();
    const step = clockOffset === undefined ? 0 : offset - clockOffset;
    clockOffset = offset;
    if (Math.abs(step) < CLOCK_STEP_MS) return;
    result.clockSteps++;
    hooks.onLog(`flowprobe: the system clock stepped ${step > 0 ? "forward" : "back"} by ${(Math.abs(step) / 1000).toFixed(1)} s: every active flow is exported now (forced end), and aging goes on from the new time`);
    await meter.restartClock(nowNs() - TICK_LAG_NS);
  };

  /** Host tick: the clock moves on without packets, idle flows leave, staged datagrams go. */
  const tick = async () => {
    await checkClock();
    if (++ticks % ROUTES_EVERY_TICKS === 0) refreshRoutes();
    meter.setExportTime(Date.now() / 1000);
    const t = nowNs() - TICK_LAG_NS;
    while (x.advance(Number(t & 0xffffffffn), Number(t >> 32n)) === 0) await meter.drain();
    while (x.sealStaged() === 0) await meter.drain();
    await meter.drain();
  };

  for (let started = 0; ; started++) {
    if (hooks.stopSignal.aborted) break;
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
    hooks.stopSignal.addEventListener("abort", stopChild, { once: true });
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

    const head = Buffer.alloc(L.FP_HEADER);
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
            await meterBatch(records, len - 8);
            continue;
          }
          const payload = Buffer.alloc(len);
          if (!(await readFully(fd, payload, 0, len))) break;
          if (type === L.FP_STATS) {
            result.kernel = {
              packets: carried.packets + payload.readBigUInt64LE(0),
              drops: carried.drops + payload.readBigUInt64LE(8),
              freezes: carried.freezes + payload.readBigUInt64LE(16),
            };
            await tick();
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
      hooks.stopSignal.removeEventListener("abort", stopChild);
      removeDir(dir);
    }
    const end = await exited;
    if (spawnFailed) throw new CaptureError(`cannot start ${what} ${cmd}: ${spawnFailed.message}`, spawnFailed);
    if (stderr) hooks.onLog(stderr.trimEnd());
    if (hooks.stopSignal.aborted) break;
    if (!opened && started === 0 && end.code === 2) throw new UsageError(`${what} refused the capture options; see its message above`);
    if (!opened && started === 0 && end.code === 1) throw new CaptureError(`${what} could not start; see its message above`);
    carried.packets = result.kernel.packets;
    carried.drops = result.kernel.drops;
    carried.freezes = result.kernel.freezes;
    hooks.onLog(`flowprobe: ${what} ended (${end.signal ?? `exit status ${end.code}`}); starting it again in ${RESTART_DELAY_MS / 1000} s`);
    result.restarts++;
    await new Promise((r) => setTimeout(r, RESTART_DELAY_MS));
  }
  hooks.reloadSignal?.removeEventListener("reload", onReload);
  await tick();
  return result;
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
