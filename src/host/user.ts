// --user: the user flowprobe continues as once the capture shim runs.

import { spawnSync } from "node:child_process";
import { UsageError } from "../errors";
import { say } from "../process";

/** The primary group of `user`, checked before anything starts: flowprobe must be root, the user must exist. */
export function userGroup(user: string): number {
  if (process.getuid?.() !== 0) throw new UsageError(`--user ${user}: flowprobe is not running as root, there is nothing to drop`);
  const id = spawnSync("id", ["-g", user], { encoding: "utf8" });
  if (id.status !== 0) throw new UsageError(`--user ${user}: no such user`);
  return Number(id.stdout.trim());
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
