// Room flood/: what the host does with the core's flood alerts (src/meter/flood-alerts.ts): the
// watch that holds repeats off, logs, counts and lists them (watch.ts), and the action they
// run (this file). Types only from the meter; the command's shape from config.
//
// --flood-action: the command run for each logged flood alert, with execFile (no shell: the
// argv was split once at start, config/flood.ts), its placeholders replaced per alert, at most
// ACTIONS_PER_S a second (a burst of that many) and ACTIONS_RUNNING_MAX at once — a flood of
// sources must not become a flood of processes. Its exit status is logged.

import { execFile, type ExecFileException } from "node:child_process";
import { accessSync, constants, statSync } from "node:fs";
import * as path from "node:path";
import { UsageError } from "../errors";
import { actionArgs, type FloodCommand, type FloodPlaceholder } from "../config/flood";

/** Actions started per second at most (a token bucket of this many). */
export const ACTIONS_PER_S = 10;
/** Actions running at once at most. */
export const ACTIONS_RUNNING_MAX = 4;
/** An action still running after this long is killed (SIGTERM) and counted as failed, ms. */
export const ACTION_TIMEOUT_MS = 30_000;

type Exec = (file: string, args: string[], options: { timeout: number }, done: (err: ExecFileException | null, stdout: string, stderr: string) => void) => unknown;

export interface ActionOptions {
  log: (line: string) => void;
  /** Wall clock, ms (the rate limit's). Default Date.now. */
  now: () => number;
  /** Default child_process.execFile. */
  exec: Exec;
  perSecond: number;
  runningMax: number;
}

/** The program of `cmd` as execFile will find it: a path that exists and may be executed, or a name found in PATH. Throws a UsageError otherwise. */
export function checkProgram(cmd: FloodCommand, option = "--flood-action", env: NodeJS.ProcessEnv = process.env): string {
  const prog = cmd.argv[0]!;
  const runnable = (p: string) => {
    try {
      accessSync(p, constants.X_OK);
      return statSync(p).isFile();
    } catch {
      return false;
    }
  };
  if (prog.includes("/")) {
    if (!runnable(prog)) throw new UsageError(`${option}: ${JSON.stringify(prog)} is not a file this user may run (give the program's full path, or a name found in PATH)`);
    return prog;
  }
  for (const dir of (env.PATH ?? "").split(":")) {
    if (dir && runnable(path.join(dir, prog))) return path.join(dir, prog);
  }
  throw new UsageError(`${option}: no program ${JSON.stringify(prog)} in PATH (${env.PATH ?? "unset"}); give its full path`);
}

export class ActionRunner {
  private readonly o: ActionOptions;
  private tokens: number;
  private at: number;
  private running = 0;
  private readonly waiting = new Set<Promise<void>>();
  private readonly counts = { run: 0n, skipped: 0n, failed: 0n };
  private skippedSince = 0;
  private skipLoggedAt = -Infinity;

  constructor(private readonly cmd: FloodCommand, o: Partial<ActionOptions> & { log: ActionOptions["log"] }) {
    this.o = { now: Date.now, exec: execFile as unknown as Exec, perSecond: ACTIONS_PER_S, runningMax: ACTIONS_RUNNING_MAX, ...o };
    this.tokens = this.o.perSecond;
    this.at = this.o.now();
  }

  /** Runs the command for one alert, unless over the rate limit (then counted and, once a second at most, logged). */
  run(values: Record<FloodPlaceholder, string>): void {
    const now = this.o.now();
    this.tokens = Math.min(this.o.perSecond, this.tokens + ((now - this.at) / 1000) * this.o.perSecond);
    this.at = now;
    if (this.tokens < 1 || this.running >= this.o.runningMax) {
      this.counts.skipped++;
      this.skippedSince++;
      if (now - this.skipLoggedAt >= 1000) {
        this.o.log(`flowprobe: flood action not run for ${values.addr} (${values.kind}, target ${values.target}) and ${this.skippedSince - 1} others: over ${this.o.perSecond} a second or ${this.o.runningMax} at once`);
        this.skipLoggedAt = now;
        this.skippedSince = 0;
      }
      return;
    }
    this.tokens -= 1;
    this.running++;
    this.counts.run++;
    const args = actionArgs(this.cmd, values);
    const what = `flowprobe: flood action ${this.cmd.argv[0]} for ${values.addr} (${values.kind}, target ${values.target})`;
    const p = new Promise<void>((resolve) => {
      this.o.exec(this.cmd.argv[0]!, args, { timeout: ACTION_TIMEOUT_MS }, (err, _stdout, stderr) => {
        this.running--;
        const said = String(stderr ?? "").trim().split("\n")[0] ?? "";
        if (!err) this.o.log(`${what}: exit 0`);
        else {
          this.counts.failed++;
          if (typeof err.code === "number") this.o.log(`${what}: exit ${err.code}${said ? `: ${said.slice(0, 200)}` : ""}`);
          else if (err.signal) this.o.log(`${what}: killed by ${err.signal}${err.killed ? ` (still running after ${ACTION_TIMEOUT_MS / 1000} s)` : ""}`);
          else this.o.log(`${what}: could not run: ${err.message}`);
        }
        resolve();
      });
    });
    this.waiting.add(p);
    void p.then(() => this.waiting.delete(p));
  }

  figures(): { run: bigint; skipped: bigint; failed: bigint } {
    return { ...this.counts };
  }

  async settled(): Promise<void> {
    while (this.waiting.size > 0) await Promise.all([...this.waiting]);
  }
}
