// Egress interface and next hop: the routing table as flowprobe reads it (/proc/net) equals
// what iproute2 says in a namespace the test sets up, and the core's longest-prefix match
// gives each flow its interfaces and next hop, for flows seen arriving and leaving.
import { test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { root } from "./helpers/run.mjs";
import { lib, newMeter, meterBatch } from "./helpers/meter.mjs";
import { makeNs } from "./helpers/netns.mjs";
import * as P from "./helpers/packets.mjs";

const hex = (b) => Buffer.from(b).toString("hex");

test("the routing table read from /proc/net equals iproute2's, longest prefix first", () => {
  const ns = makeNs("fp-routes");
  try {
    ns.veth("fp0", "fp1", { ipv6: true });
    ns.ip("addr", "add", "10.1.0.1/24", "dev", "fp0");
    ns.ip("route", "add", "203.0.113.0/24", "via", "10.1.0.2");
    ns.ip("route", "add", "default", "via", "10.1.0.254", "metric", "5");
    ns.ip("addr", "add", "2001:db8:1::1/64", "dev", "fp0", "nodad");
    ns.ip("route", "add", "2001:db8:99::/48", "via", "2001:db8:1::2");
    const script = `process.stdout.write(JSON.stringify(require(${JSON.stringify(path.join(root, "dist", "lib.cjs"))}).readRoutes()))`;
    const got = JSON.parse(ns.exec(process.execPath, ["-e", script]));
    const want = [];
    for (const family of [4, 6]) {
      for (const r of JSON.parse(ns.ip(`-${family}`, "-j", "route", "show", "table", "main"))) {
        if (r.type && r.type !== "unicast") continue;
        const [addr, len] = r.dst === "default" ? [family === 4 ? "0.0.0.0" : "::", 0] : r.dst.includes("/") ? r.dst.split("/") : [r.dst, family === 4 ? 32 : 128];
        want.push({ family, prefix: Number(len), ifindex: Number(ns.exec("cat", [`/sys/class/net/${r.dev}/ifindex`])), dst: addr, gateway: r.gateway ?? (family === 4 ? "0.0.0.0" : "::") });
      }
    }
    const toText = (buf, family) => family === 4 ? [...buf.data.slice(0, 4)].join(".") : new URL(`http://[${Buffer.from(buf.data).toString("hex").match(/.{4}/g).join(":")}]`).hostname.slice(1, -1);
    const norm = (r) => `${r.family} ${r.dst}/${r.prefix} via ${r.gateway} dev ${r.ifindex}`;
    const gotText = got.map((r) => norm({ ...r, dst: toText(r.dst, r.family), gateway: toText(r.gateway, r.family) }));
    assert.deepEqual([...gotText].sort(), want.map(norm).sort());
    for (let i = 1; i < got.length; i++) assert.ok(got[i - 1].prefix >= got[i].prefix, "longest prefix first");
    assert.ok(gotText.includes(`4 203.0.113.0/24 via 10.1.0.2 dev ${want[0].ifindex}`), gotText.join("\n"));
    assert.ok(gotText.some((t) => t.startsWith("6 2001:db8:99::/48 via 2001:db8:1::2")), gotText.join("\n"));
  } finally {
    ns.del();
  }
});

const v4 = (s) => Buffer.from([...s.split(".").map(Number), ...Array(12).fill(0)]);
const v6 = (s) => Buffer.from(new URL(`http://[${s}]`).hostname.slice(1, -1).split(":").flatMap((g, i, a) => (g === "" ? (i === 0 || i === a.length - 1 ? [] : Array(8 - a.filter(Boolean).length).fill("0")) : [g])).flatMap((g) => [parseInt(g.padStart(4, "0").slice(0, 2), 16), parseInt(g.padStart(4, "0").slice(2), 16)]));

test("flows get their output interface and next hop by longest prefix; flows seen leaving get their input by the reverse path", async () => {
  const st = newMeter();
  lib.loadRoutes(st.meter.core, [
    { family: 4, prefix: 24, ifindex: 7, dst: v4("203.0.113.0"), gateway: v4("192.0.2.2"), metric: 0 },
    { family: 4, prefix: 24, ifindex: 3, dst: v4("10.0.0.0"), gateway: v4("0.0.0.0"), metric: 0 },
    { family: 4, prefix: 16, ifindex: 9, dst: v4("203.0.0.0"), gateway: v4("192.0.2.9"), metric: 0 },
    { family: 4, prefix: 0, ifindex: 7, dst: v4("0.0.0.0"), gateway: v4("192.0.2.1"), metric: 0 },
    { family: 6, prefix: 48, ifindex: 7, dst: v6("2001:db8:99::"), gateway: v6("fe80::1"), metric: 0 },
  ]);
  const T = 1_700_000_000_000_000_000n;
  const pkt = (src, dst, ifindex, pkttype = 0, sport = 1000) => ({
    ts: T, ifindex, pkttype, data: P.eth(P.ETH_IPV4, P.ipv4(P.udp(sport, 53), { proto: 17, src, dst })),
  });
  const { flows } = await meterBatch([
    pkt("10.0.0.2", "203.0.113.10", 3, 0, 1), //      upload arriving on the LAN: out by the /24, not the /16
    pkt("10.0.0.2", "203.0.200.1", 3, 0, 2), //       the /16
    pkt("10.0.0.2", "198.51.100.1", 3, 0, 3), //      the default route
    pkt("203.0.113.10", "10.0.0.2", 3, 4, 4), //      download seen leaving on the LAN (--direction both)
    { ts: T, ifindex: 3, data: P.eth(P.ETH_IPV6, P.ipv6(P.udp(5, 53), { nh: 17, src: "2001:db8:1::2", dst: "2001:db8:99::7" })) },
  ], {}, { meterState: st });
  const by = (sport) => flows.find((f) => f.src_port === BigInt(sport));
  assert.deepEqual([by(1).in_if, by(1).out_if, by(1).next_hop], [3n, 7n, "192.0.2.2"]);
  assert.deepEqual([by(2).in_if, by(2).out_if, by(2).next_hop], [3n, 9n, "192.0.2.9"]);
  assert.deepEqual([by(3).in_if, by(3).out_if, by(3).next_hop], [3n, 7n, "192.0.2.1"]);
  // leaving on ifindex 3 (on-link, no next hop); it came in by the route back to 203.0.113.10
  assert.deepEqual([by(4).in_if, by(4).out_if, by(4).next_hop], [7n, 3n, undefined]);
  assert.deepEqual([by(5).in_if, by(5).out_if, by(5).next_hop], [3n, 7n, "fe80::1"]);
});

test("without a routing table (a capture file) the output interface is 0 and no next hop is written", async () => {
  const { flows } = await meterBatch([{ ts: 1n, ifindex: 4, data: P.eth(P.ETH_IPV4, P.ipv4(P.udp(1, 2), { proto: 17 })) }]);
  assert.equal(flows[0].in_if, 4n);
  assert.equal(flows[0].out_if, 0n);
  assert.equal(flows[0].next_hop, undefined);
});

test("interface names for the collectors: every interface under the number flows carry; an unmapped one whose ifindex is an --ifindex-map number is left out", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "fp-sysnet-"));
  try {
    for (const [name, ifindex] of [["lo", 1], ["eth0", 2], ["ppp0", 7], ["br-lan", 3]]) {
      mkdirSync(path.join(dir, name));
      writeFileSync(path.join(dir, name, "ifindex"), `${ifindex}\n`);
    }
    const sorted = (list) => [...list].sort((a, b) => a[0] - b[0]);
    assert.deepEqual(sorted(lib.readInterfaceNames(new Map(), dir)), [[1, "lo"], [2, "eth0"], [3, "br-lan"], [7, "ppp0"]]);
    // ppp0 keeps number 2 across reconnects; eth0's ifindex 2 would name the same number twice
    assert.deepEqual(sorted(lib.readInterfaceNames(new Map([["ppp0", 2]]), dir)), [[1, "lo"], [2, "ppp0"], [3, "br-lan"]]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
