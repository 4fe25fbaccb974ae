// --user: the user flowprobe continues as once the capture shim runs.

import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { UsageError } from "../errors";
import { say } from "../process";

/** `id FLAG user`'s number; a usage error when there is no such user. */
function idOf(user: string, flag: "-u" | "-g"): number {
  const id = spawnSync("id", [flag, user], { encoding: "utf8" });
  if (id.status !== 0) throw new UsageError(`--user ${user}: no such user`);
  return Number(id.stdout.trim());
}

/** The primary group of `user`, checked before anything starts: flowprobe must be root, the user must exist. */
export function userGroup(user: string): number {
  if (process.getuid?.() !== 0) throw new UsageError(`--user ${user}: flowprobe is not running as root, there is nothing to drop`);
  return idOf(user, "-g");
}

/** The uid of `user` (after userGroup checked that it exists). */
export function userId(user: string): number {
  return idOf(user, "-u");
}

/**
 * Why uid with group gid and no supplementary groups (what dropPrivileges leaves) may not make
 * and remove files in directory `dir` (undefined: it may): write and search permission on
 * `dir`, and search permission on every directory above it, by the mode bits of the class it
 * falls in (owner, group, other; POSIX.1 file access permissions). access(2) cannot answer this
 * before the drop: it asks for the caller, root, who may write anywhere.
 */
export function notWritableBy(dir: string, uid: number, gid: number): string | undefined {
  if (uid === 0) return undefined;
  const bits = (st: fs.Stats) => (st.uid === uid ? (st.mode >> 6) & 7 : st.gid === gid ? (st.mode >> 3) & 7 : st.mode & 7);
  const full = fs.realpathSync(dir); // (the directories above the one a link leads to are the ones entered)
  for (let up = path.dirname(full), seen = full; up !== seen; seen = up, up = path.dirname(up)) {
    if ((bits(fs.statSync(up)) & 1) === 0) return `the directory ${up} above it may not be entered (searched)`;
  }
  return (bits(fs.statSync(full)) & 3) === 3 ? undefined : `the directory ${dir} is not writable`;
}

/**
 * flowprobe continues as this user and its primary group, with no supplementary groups; the
 * capture shim it started keeps running with its privileges (a shim started again later
 * needs its file capabilities: see the README's setcap line).
 */
export function dropPrivileges(user: string, gid: number): void {
  process.setgroups!([]);
  process.setgid!(gid);
  process.setuid!(user);
  say(`flowprobe: running as ${user} (uid ${process.getuid?.()}, gid ${process.getgid?.()})\n`);
}
