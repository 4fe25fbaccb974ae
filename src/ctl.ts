// The control socket's client: `flowprobe stat [--json] [--control PATH]` and
// `flowprobe ctl VERB [--json] [--target NAME] [--control PATH]` (docs/control.md), and
// `flowprobe counters [--reset] [--json] [NAME…]` for `ctl counters` (as nfacct's commands read). It sends
// one request line and prints the answer: its text, or with --json the answer's JSON line as
// it came (bigints exact). Exit status 0 when the answer is ok, 1 when flowprobe refused the
// request or cannot be reached, 2 for a bad command line.

import * as net from "node:net";
import { UsageError } from "./errors";
import { ALIASES, VERBS, verbOf, ControlError } from "./stats/control";

/** Where flowprobe stat looks when --control is not given (the service's path). */
export const DEFAULT_CONTROL = "/run/flowprobe/flowprobe.sock";

export interface CtlIo {
  out: (s: string) => void;
  err: (s: string) => void;
}

/** The request of a command line: `stat …`, `counters …` (nfacct's `flowprobe counters --reset http`: `ctl counters …`) or `ctl VERB …`. */
export function requestOf(argv: readonly string[]): { path: string; json: boolean; req: Record<string, unknown> } {
  const [first, ...rest] = argv;
  let verb: string | undefined = first === "stat" || first === "counters" ? first : undefined;
  let path = DEFAULT_CONTROL;
  let json = false;
  const req: Record<string, unknown> = {};
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!;
    const value = () => {
      const v = rest[++i];
      if (v === undefined) throw new UsageError(`flowprobe ${first}: ${a} needs a value`);
      return v;
    };
    if (a === "--control") path = value();
    else if (a.startsWith("--control=")) path = a.slice(10);
    else if (a === "--json") json = true;
    else if (a === "--target") req.target = value();
    else if (a.startsWith("--target=")) req.target = a.slice(9);
    else if (a === "--reset") req.reset = true;
    else if (!a.startsWith("-") && verb === undefined) verb = a;
    else if (!a.startsWith("-") && verb !== undefined && first !== "stat") ((req.names ??= []) as string[]).push(a);
    else throw new UsageError(`flowprobe ${first}: ${JSON.stringify(a)}: expected --json, --control PATH${first === "ctl" ? ", --target NAME, --reset or a VERB" : first === "counters" ? ", --reset or a counter's NAME" : ""}`);
  }
  if (verb === undefined) throw new UsageError(`flowprobe ctl: which verb? (${VERBS.join(", ")}; softflowctl's ${[...ALIASES.keys()].join(", ")} too)`);
  let v: string;
  try {
    v = verbOf(verb);
  } catch (e) {
    if (e instanceof ControlError) throw new UsageError(`flowprobe ctl: ${e.message}`);
    throw e;
  }
  if (json && v === "stat") req.json = true;
  return { path, json, req: { cmd: verb, ...req } };
}

/** Sends one request to the control socket at `path`; resolves with the answer line. */
export function ask(path: string, req: Record<string, unknown>, timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = net.connect(path);
    let buf = "";
    const timer = setTimeout(() => {
      c.destroy();
      reject(new Error(`no answer from ${path} within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    c.setEncoding("utf8");
    c.on("connect", () => c.write(JSON.stringify(req) + "\n"));
    c.on("data", (d: string) => {
      buf += d;
      const nl = buf.indexOf("\n");
      if (nl >= 0) {
        clearTimeout(timer);
        c.end();
        resolve(buf.slice(0, nl));
      }
    });
    c.on("error", (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const why = e.code === "ENOENT" ? "no such socket" : e.code === "ECONNREFUSED" ? "nothing listens there (a flowprobe that was killed left it)" : e.code === "EACCES" ? "permission denied (the socket is its owner's alone: run as that user, or as root)" : e.message;
      reject(new Error(`cannot reach flowprobe at ${path}: ${why}; is it running with --control ${path}?`));
    });
    c.on("close", () => {
      clearTimeout(timer);
      if (!buf.includes("\n")) reject(new Error(`${path}: the connection closed without an answer`));
    });
  });
}

/** flowprobe stat / flowprobe ctl: returns the exit status. */
export async function ctlMain(argv: readonly string[], io: CtlIo): Promise<number> {
  let r;
  try {
    r = requestOf(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`flowprobe: error: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  let line: string;
  try {
    line = await ask(r.path, r.req);
  } catch (e) {
    io.err(`flowprobe: error: ${(e as Error).message}\n`);
    return 1;
  }
  const answer = JSON.parse(line) as { ok: boolean; error?: string; text?: string };
  if (!answer.ok) {
    io.err(`flowprobe: ${String(r.req.cmd)}: ${answer.error ?? "refused"}\n`);
    if (r.json) io.out(line + "\n");
    return 1;
  }
  if (r.json || answer.text === undefined) io.out(line + "\n");
  else io.out(answer.text.endsWith("\n") ? answer.text : `${answer.text}\n`);
  return 0;
}
