// --stat-file: the stat text written every --stat-interval seconds, atomically — a temporary
// file beside it (same directory, so the same filesystem) renamed over it — so a script that
// reads the file sees the last whole text, never half of one.

import * as fs from "node:fs";
import * as path from "node:path";

/** The path cannot be written (exit status 2 at start). */
export class StatFilePathError extends Error {}

export class StatFile {
  private readonly tmp: string;

  /** `owner`: with --user, each file is given to that user before it is renamed into place (flowprobe drops to the user after the first write, and in a sticky directory such as /tmp only a file's owner may rename over it). */
  constructor(
    readonly path: string,
    private readonly owner?: { uid: number; gid: number },
  ) {
    this.tmp = `${path}.tmp${process.pid}`;
  }

  /** Checks at start that the directory is there and writable: a StatFilePathError otherwise. */
  check(): void {
    const dir = path.dirname(this.path);
    let st: fs.Stats;
    try {
      st = fs.statSync(dir);
    } catch {
      throw new StatFilePathError(`--stat-file ${this.path}: its directory ${dir} does not exist (make it, or give a path in an existing directory)`);
    }
    if (!st.isDirectory()) throw new StatFilePathError(`--stat-file ${this.path}: ${dir} is not a directory`);
    try {
      fs.accessSync(dir, fs.constants.W_OK | fs.constants.X_OK);
    } catch {
      throw new StatFilePathError(`--stat-file ${this.path}: the directory ${dir} is not writable by this user (the temporary file and the rename need it): give a directory the user may write`);
    }
    try {
      if (fs.statSync(this.path).isDirectory()) throw new StatFilePathError(`--stat-file ${this.path}: the path is a directory: give a file's path`);
    } catch (e) {
      if (e instanceof StatFilePathError) throw e;
    }
  }

  /** Writes the text (temporary file, then rename). Returns the error's message, or undefined. */
  write(text: string): string | undefined {
    try {
      fs.writeFileSync(this.tmp, text, { mode: 0o644 });
      if (this.owner && process.getuid?.() === 0) fs.chownSync(this.tmp, this.owner.uid, this.owner.gid);
      fs.renameSync(this.tmp, this.path);
      return undefined;
    } catch (e) {
      try {
        fs.unlinkSync(this.tmp);
      } catch {
        // (not made)
      }
      return (e as Error).message;
    }
  }
}
