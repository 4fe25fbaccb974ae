// Network namespaces the tests create and remove: live capture, promiscuous mode and replay
// happen only on veth pairs whose both ends sit in them, never on the machine's own interfaces.
import { execFileSync, spawn } from "node:child_process";

/** A new namespace with lo up; `del()` removes it (and every interface in it). */
export function makeNs(prefix) {
  const name = `${prefix}-${process.pid}-${Math.floor(Math.random() * 1e6)}`;
  execFileSync("ip", ["netns", "add", name]);
  const ns = {
    name,
    ip: (...args) => execFileSync("ip", ["-n", name, ...args], { encoding: "utf8" }),
    exec: (cmd, args, opts = {}) => execFileSync("ip", ["netns", "exec", name, cmd, ...args], { encoding: "utf8", ...opts }),
    spawn: (cmd, args, opts = {}) => spawn("ip", ["netns", "exec", name, cmd, ...args], opts),
    /** A veth pair a–b in this namespace, up, IPv6 off (no router or neighbour chatter). */
    veth(a, b, { mtu = 9000 } = {}) {
      ns.ip("link", "add", a, "type", "veth", "peer", "name", b);
      for (const i of [a, b]) {
        ns.exec("sysctl", ["-qw", `net.ipv6.conf.${i}.disable_ipv6=1`]);
        ns.ip("link", "set", i, "mtu", String(mtu));
        ns.ip("link", "set", i, "up");
      }
      return Number(ns.ip("-j", "link", "show", a).match(/"ifindex":(\d+)/)[1]);
    },
    del: () => execFileSync("ip", ["netns", "del", name]),
  };
  ns.ip("link", "set", "lo", "up");
  return ns;
}

/** Resolves when `cond()` holds, polling every 20 ms; rejects after `ms`. */
export async function until(cond, ms, what) {
  for (const end = Date.now() + ms; !cond();) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
