// Room sinks/: the meter's output read with the memory map alone (units.ts) and written out
// (JSON lines to standard output: this file).
//
// JSON lines to standard output: writing to a file descriptor from synchronous code, all of
// it, whatever the descriptor (a full non-blocking pipe is waited on; a reader gone is said).

import * as fs from "node:fs";
import { IoError } from "../errors";

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Writes every byte; waits on a full non-blocking pipe; returns false when the reader has gone (EPIPE). */
export function writeAllSync(fd: number, bytes: Uint8Array): boolean {
  let off = 0;
  while (off < bytes.length) {
    try {
      off += fs.writeSync(fd, bytes, off, bytes.length - off);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "EAGAIN") {
        Atomics.wait(sleeper, 0, 0, 2);
        continue;
      }
      if (code === "EPIPE") return false;
      throw new IoError(`writing output: ${(e as Error).message}`, e);
    }
  }
  return true;
}
