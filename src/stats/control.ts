// Room stats/: one registry of every figure, read once per tick (registry.ts), and what reads
// it: the summary (summary.ts), the stat text and JSON (text.ts), the control socket (this
// file), the stat file (statfile.ts); rates on an injected clock (rates.ts). Types only from below.
//
// The control socket (--control PATH): a unix stream socket, mode 0600, speaking one JSON
// object per line each way (docs/control.md). A request is {"cmd":"VERB", …arguments}; the
// answer {"ok":true, …} or {"ok":false,"error":"…"}. The verbs are softflowctl's (softflowctl(8))
// with its spellings as aliases; what each does is the app's (handlers given to the server),
// so this file knows sockets and lines, never the meter.
//
// The path: a live flowprobe already listening there (a connect succeeds) is refused; a file
// left by a killed one (connect refused: ECONNREFUSED) is removed and the path reused; the
// file is removed at close.

import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";

/** A request's arguments (the line's object without "cmd"). */
export type Request = Record<string, unknown>;
/** A handler's answer: the fields beside "ok":true (a string is sent as the text), or a thrown ControlError. */
export type Answer = Record<string, unknown>;
export type Handler = (req: Request) => Answer | Promise<Answer>;

/** A request that cannot be done: its message goes back as {"ok":false,"error":…}. */
export class ControlError extends Error {}

/** The path cannot be used (exit status 2 at start). */
export class ControlPathError extends Error {}

/** softflowctl's spellings (softflowctl(8)) and ours, onto the verbs. `delete-all` drops flows
 * unexported in softflowd; flowprobe never drops a flow, so it exports them as expire-all does. */
export const ALIASES: ReadonlyMap<string, string> = new Map([
  ["statistics", "stat"],
  ["stats", "stat"],
  ["send-template", "send-templates"],
  ["delete-all", "expire-all"],
  ["exit", "shutdown"],
]);

/** The verbs (the app's handlers answer each; docs/control.md). */
export const VERBS = ["stat", "expire-all", "dump-flows", "send-templates", "reload", "timeouts", "shutdown", "counters", "alerts"] as const;
export type Verb = (typeof VERBS)[number];

/** The longest request line, bytes. */
export const REQUEST_MAX = 64 * 1024;

/** The verb a request's "cmd" names (an alias resolved), or a ControlError naming the verbs. */
export function verbOf(cmd: unknown): Verb {
  if (typeof cmd !== "string") throw new ControlError(`a request is {"cmd":"VERB",…}: "cmd" is missing or not a string (the verbs: ${VERBS.join(", ")})`);
  const v = ALIASES.get(cmd) ?? cmd;
  if (!(VERBS as readonly string[]).includes(v)) throw new ControlError(`no verb ${JSON.stringify(cmd.slice(0, 40))} (the verbs: ${VERBS.join(", ")}; softflowctl's ${[...ALIASES.keys()].join(", ")} too)`);
  return v as Verb;
}

/** Whether something listens on the unix socket `p` (connect succeeds). */
function listening(p: string): Promise<boolean> {
  return new Promise((resolve) => {
    const c = net.connect(p);
    c.once("connect", () => {
      c.destroy();
      resolve(true);
    });
    c.once("error", () => resolve(false));
  });
}

export class ControlServer {
  private server: net.Server | undefined;
  private readonly clients = new Set<net.Socket>();

  /** `write`: how an answer's object becomes its line (jsonOf: bigints exact). */
  constructor(
    readonly path: string,
    private readonly handlers: Record<Verb, Handler>,
    private readonly write: (o: Record<string, unknown>) => string,
    /** With --user: the socket file is given to that user (flowprobe drops to it after listening), so its own `flowprobe stat` may connect, as root may. */
    private readonly owner?: { uid: number; gid: number },
  ) {}

  /** Checks the path and listens; a ControlPathError says what is wrong with it. */
  async listen(): Promise<void> {
    const p = this.path;
    const dir = path.dirname(p);
    let st: fs.Stats;
    try {
      st = fs.statSync(dir);
    } catch {
      throw new ControlPathError(`--control ${p}: its directory ${dir} does not exist (make it, e.g. RuntimeDirectory=flowprobe in the service, or give a path in an existing directory)`);
    }
    if (!st.isDirectory()) throw new ControlPathError(`--control ${p}: ${dir} is not a directory`);
    try {
      fs.accessSync(dir, fs.constants.W_OK | fs.constants.X_OK);
    } catch {
      throw new ControlPathError(`--control ${p}: the directory ${dir} is not writable by this user (the socket is made there, and removed at exit): give a directory the user may write, e.g. RuntimeDirectory=flowprobe in the service`);
    }
    if (Buffer.byteLength(p) > 107) throw new ControlPathError(`--control ${p}: a unix socket path is at most 107 bytes (this is ${Buffer.byteLength(p)})`);
    let there: fs.Stats | undefined;
    try {
      there = fs.lstatSync(p);
    } catch {
      there = undefined;
    }
    if (there) {
      if (!there.isSocket()) throw new ControlPathError(`--control ${p}: the path is a ${there.isDirectory() ? "directory" : "file"}, not a socket: give another path, or remove it`);
      if (await listening(p)) throw new ControlPathError(`--control ${p}: another flowprobe is running with this control socket (it answers there): stop it, or give another path`);
      fs.unlinkSync(p); // left by a flowprobe that was killed: reused
    }
    const server = net.createServer((c) => this.serve(c));
    // the socket file is made 0600 from the start: no moment when another user could connect
    const mask = process.umask(0o177);
    try {
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(p, () => {
          server.off("error", reject);
          resolve();
        });
      });
    } catch (e) {
      throw new ControlPathError(`--control ${p}: cannot listen there: ${(e as Error).message}`);
    } finally {
      process.umask(mask);
    }
    fs.chmodSync(p, 0o600);
    if (this.owner) fs.chownSync(p, this.owner.uid, this.owner.gid);
    server.unref();
    this.server = server;
  }

  private serve(c: net.Socket): void {
    this.clients.add(c);
    c.unref();
    c.setEncoding("utf8");
    let buf = "";
    let chain = Promise.resolve();
    c.on("data", (d: string) => {
      buf += d;
      if (buf.length > REQUEST_MAX && !buf.includes("\n")) {
        c.end(this.write({ ok: false, error: `a request line is at most ${REQUEST_MAX} bytes` }) + "\n");
        buf = "";
        return;
      }
      let nl: number;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (line === "") continue;
        // one answer at a time, in order
        chain = chain.then(() => this.answer(line)).then((out) => {
          if (!c.destroyed) c.write(out + "\n");
        });
      }
    });
    c.on("error", () => {});
    c.on("close", () => this.clients.delete(c));
  }

  /** The answer line of a request line. */
  async answer(line: string): Promise<string> {
    try {
      let req: unknown;
      try {
        req = JSON.parse(line);
      } catch {
        throw new ControlError(`a request is one JSON object per line, e.g. {"cmd":"stat"}; this line is not JSON`);
      }
      if (req === null || typeof req !== "object" || Array.isArray(req)) throw new ControlError(`a request is a JSON object, e.g. {"cmd":"stat"}`);
      const verb = verbOf((req as Request).cmd);
      const out = await this.handlers[verb](req as Request);
      return this.write({ ok: true, ...out });
    } catch (e) {
      if (e instanceof ControlError) return this.write({ ok: false, error: e.message });
      return this.write({ ok: false, error: `internal error: ${(e as Error).message}` });
    }
  }

  /** Stops listening, ends the connections and removes the socket file. */
  close(): void {
    if (!this.server) return;
    this.server.close();
    this.server = undefined;
    for (const c of this.clients) c.destroy();
    try {
      fs.unlinkSync(this.path);
    } catch {
      // (gone already)
    }
  }
}
