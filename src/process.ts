// What the process does with signals and with errors nobody caught. Imported first by
// main.ts, so its handlers are in place before any other module runs.
//
// - SIGUSR1 would make Node open its inspector (a debugger port on 127.0.0.1:9229) in a
//   process that runs as root on a gateway. A listener of our own keeps Node's default from
//   running: it prints the statistics so far, as dd does.
// - SIGHUP would end the process with no flush (Node's default). It is the daemon convention
//   for "reload": the run decides what that means; flows are never lost to it.
// - An internal error (a bug) ends the process at once with exit status 70 and one line
//   naming what failed: never a hang behind a handler that keeps the event loop alive.

import { writeSync } from "node:fs";

export const EXIT_INTERNAL = 70;

/** What the signals do now; a run replaces these while it runs. */
export const signalActions = {
  /** SIGUSR1: the text to print (the statistics so far). */
  usr1: (): string => "flowprobe: SIGUSR1: no statistics yet (starting)\n",
  /** SIGHUP: reload. */
  hup: (): void => {
    say("flowprobe: SIGHUP: nothing to reload yet (starting)\n");
  },
};

/** Writes to standard error; a standard error that has gone (a closed log pipe, a full disk)
 * costs the line, never the run. */
export function say(text: string): void {
  try {
    writeSync(2, text);
  } catch {
    // standard error is gone: nothing to tell
  }
}

/** One line for an error nobody caught: its kind, code, message and where it was thrown. */
export function describeInternal(e: unknown): string {
  if (!(e instanceof Error)) return String(e).replace(/\s+/g, " ");
  const code = (e as NodeJS.ErrnoException).code;
  const frame = /\n\s+at (.+)/.exec(e.stack ?? "")?.[1];
  return `${e.name}${code ? ` [${code}]` : ""}: ${e.message.replace(/\s+/g, " ").trim()}${frame ? ` (at ${frame})` : ""}`;
}

/** Ends the process now: exit status 70 and one line (the stack too with FLOWPROBE_DEBUG=1). */
export function fatal(e: unknown): never {
  say(`flowprobe: internal error (a bug in flowprobe; please report this line): ${describeInternal(e)}\n`);
  if (process.env.FLOWPROBE_DEBUG && e instanceof Error && e.stack) say(`${e.stack}\n`);
  process.exit(EXIT_INTERNAL);
}

// Errors of the standard streams themselves (EPIPE, ENOSPC) are not the program's: a reader
// that went away or a full disk must not end a run with "internal error" and lose its flows.
process.stderr.on("error", () => {});
process.stdout.on("error", () => {});
process.on("SIGUSR1", () => say(signalActions.usr1()));
process.on("SIGHUP", () => signalActions.hup());
process.on("uncaughtException", fatal);
process.on("unhandledRejection", fatal);
