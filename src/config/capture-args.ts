// The capture shim's command line (shim/flowprobe-capture.c), both ways: written by the host
// that starts the shim or the cap child (sources/shim.ts), read by the cap child
// (sources/cap.ts), which follows it as far as libpcap can. The defaults are the options'.

import { UsageError } from "../errors";
import { DEFAULTS } from "./defaults";
import { optionNamed } from "./schema";

/** The ring is made of 1 MiB blocks (--block-size, KiB); --ring-size gives their number. */
export const RING_BLOCK_KIB = 1024;

/** The shim's whole-number arguments and the options whose range and default they take:
 * build.mjs writes them into build/capture-options.h for the C shim (FP_<NAME>_MIN, _MAX,
 * _DEFAULT), so its own checks and defaults are the schema's. */
export const SHIM_NUMBERS = [
  { name: "SNAPLEN", option: optionNamed("snaplen") },
  { name: "BLOCKS", option: optionNamed("ring-size") },
  { name: "BLOCK_TIMEOUT_MS", option: optionNamed("block-timeout") },
].map(({ name, option }) => ({ name, min: option.range![0], max: option.range![1], default: option.default as number }));

export interface CaptureArgs {
  /** Interface names, or ["any"]. */
  interfaces: string[];
  promisc: boolean;
  /** Bytes of each packet handed over. Default DEFAULTS.snaplen. */
  snaplen: number;
  direction: "in" | "both";
  /** tcpdump-style filter ("" or undefined: none). */
  filter?: string;
  /** The ring per interface, MiB of RING_BLOCK_KIB blocks. Default DEFAULTS.ringMiB. */
  ringMiB?: number;
  /** A block that is not full is handed over after this long, ms. Default DEFAULTS.blockTimeoutMs. */
  blockTimeoutMs?: number;
  /** Stable interface numbers by name. */
  ifindexMap?: ReadonlyMap<string, number>;
}

/** The shim's arguments for these options (the FIFO's --output is added by whoever runs it). */
export function captureArgs(o: CaptureArgs): string[] {
  const args = ["--interfaces", o.interfaces.join(","), "--snaplen", String(o.snaplen), "--direction", o.direction,
    "--block-size", String(RING_BLOCK_KIB), "--blocks", String(o.ringMiB ?? DEFAULTS.ringMiB),
    "--block-timeout", String(o.blockTimeoutMs ?? DEFAULTS.blockTimeoutMs)];
  if (o.promisc) args.push("--promisc");
  if (o.filter !== undefined) args.push("--filter", o.filter);
  if (o.ifindexMap && o.ifindexMap.size > 0) args.push("--ifindex-map", [...o.ifindexMap].map(([n, i]) => `${n}=${i}`).join(","));
  return args;
}

export interface ParsedCaptureArgs {
  interfaces: string[];
  snaplen: number;
  direction: "in" | "both";
  filter: string;
  ifindexMap: Map<string, number>;
  /** The FIFO to write the messages into. */
  output: string;
  /** The ring's size, bytes (--block-size KiB × --blocks). */
  ringBytes: number;
}

/** Reads the shim's command line (as captureArgs writes it, with --output). */
export function parseCaptureArgs(argv: string[]): ParsedCaptureArgs {
  const o: ParsedCaptureArgs = { interfaces: [], snaplen: DEFAULTS.snaplen, direction: "in", filter: "", ifindexMap: new Map(), output: "", ringBytes: 0 };
  let blockKiB = RING_BLOCK_KIB, blocks: number = DEFAULTS.ringMiB;
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i + 1] ?? "";
    switch (argv[i]) {
      case "--interfaces": o.interfaces = v.split(","); i++; break;
      case "--snaplen": o.snaplen = Number(v); i++; break;
      case "--direction": o.direction = v === "both" ? "both" : "in"; i++; break;
      case "--filter": o.filter = v; i++; break;
      case "--ifindex-map":
        for (const item of v.split(",")) {
          const [name, n] = item.split("=");
          o.ifindexMap.set(name!, Number(n));
        }
        i++;
        break;
      case "--output": o.output = v; i++; break;
      case "--promisc": break; // (libpcap through cap sets every interface promiscuous anyway)
      case "--block-size": blockKiB = Number(v); i++; break;
      case "--blocks": blocks = Number(v); i++; break;
      case "--block-timeout": i++; break; // (libpcap in immediate mode hands each packet over at once)
      default: throw new UsageError(`unknown argument ${argv[i]}`);
    }
  }
  if (o.interfaces.length === 0 || !o.output) throw new UsageError("--interfaces and --output are needed");
  o.ringBytes = blockKiB * 1024 * blocks;
  return o;
}
