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
    /** A veth pair a–b in this namespace (b moved to namespace `peerNs` when given), up;
     * IPv6 off (no router or neighbour chatter), or on without duplicate address detection
     * and router advertisements (`ipv6: true`). Returns a's ifindex. */
    veth(a, b, { mtu = 9000, peerNs = undefined, ipv6 = false } = {}) {
      ns.ip("link", "add", a, "type", "veth", "peer", "name", b, ...(peerNs ? ["netns", peerNs.name] : []));
      for (const [n, i] of [[ns, a], [peerNs ?? ns, b]]) {
        if (ipv6) {
          for (const k of ["accept_dad=0", "accept_ra=0", "router_solicitations=0"]) n.exec("sysctl", ["-qw", `net.ipv6.conf.${i}.${k}`]);
        } else {
          n.exec("sysctl", ["-qw", `net.ipv6.conf.${i}.disable_ipv6=1`]);
        }
        n.ip("link", "set", i, "mtu", String(mtu));
        n.ip("link", "set", i, "up");
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
