// Flood detection (--flood-pps, --flood-new-flows) and its action (--flood-action), end to end
// through the command line over a capture made here: one UDP flow at 20,000 packets/s for 3
// s, then a SYN scan from many ports of another source (3000 new flows in one second), an
// IPv6 source opening 700 flows in one second, and a quiet neighbour that never floods. The
// per-second packet counts the alerts must give come from tshark (io,stat), not from the
// script that made the file; the action is a script that writes its arguments to a file.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { flowprobe } from "./helpers/run.mjs";
import { eth, ipv4, ipv6, udp, tcp, pcapFile, ETH_IPV4, ETH_IPV6 } from "./helpers/packets.mjs";

const T0 = 1_700_000_000; // a whole second: each second of the capture is one second of meter time
const dir = mkdtempSync(path.join(tmpdir(), "fld13-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function capture() {
  const pkts = [];
  const at = (s, us, data) => pkts.push({ t: s * 1_000_000 + us, data });
  // the flood: 10.0.0.1:40000 > 10.0.0.2:9999, one packet every 50 µs for 3 s
  for (let i = 0; i < 60_000; i++) at(T0, i * 50, eth(ETH_IPV4, ipv4(udp(40000, 9999, Buffer.alloc(18)), { src: "10.0.0.1", dst: "10.0.0.2", proto: 17 })));
  // the neighbour: 10.0.0.4, 100 packets/s in one flow and 5 new flows a second, for 5 s
  for (let i = 0; i < 500; i++) at(T0, i * 10_000 + 7, eth(ETH_IPV4, ipv4(udp(5353, 53), { src: "10.0.0.4", dst: "10.0.0.2", proto: 17 })));
  for (let i = 0; i < 25; i++) at(T0, i * 200_000 + 11, eth(ETH_IPV4, ipv4(tcp(30000 + i, 443, 0x02), { src: "10.0.0.4", dst: "10.0.0.2", proto: 6 })));
  // the scan: 10.0.0.3 sends SYNs from 3000 ports in second 3
  for (let i = 0; i < 3000; i++) at(T0 + 3, Math.floor(i * 1_000_000 / 3000), eth(ETH_IPV4, ipv4(tcp(10000 + i, 80, 0x02), { src: "10.0.0.3", dst: "10.0.0.2", proto: 6 })));
  // an IPv6 source opening 700 flows in second 4
  for (let i = 0; i < 700; i++) at(T0 + 4, i * 1000 + 3, eth(ETH_IPV6, ipv6(udp(20000 + i, 123), { src: "2001:db8::66", dst: "2001:db8::2", nh: 17 })));
  pkts.sort((a, b) => a.t - b.t);
  return pcapFile(1, pkts.map((p) => ({ ts: [Math.floor(p.t / 1_000_000), p.t % 1_000_000], data: p.data })));
}

const pcap = path.join(dir, "flood.pcap");
writeFileSync(pcap, capture());
const out = path.join(dir, "args.txt");
const script = path.join(dir, "action.sh");
// one line per run: its arguments, each between | (a space inside one stays inside it)
writeFileSync(script, `#!/bin/sh\nfor a in "$@"; do printf '|%s' "$a"; done >> '${out}'\necho >> '${out}'\n`);
chmodSync(script, 0o755);

/** tshark's packet count of each second of the capture for a display filter (io,stat over 1 s). */
function tsharkPerSecond(filter) {
  const r = spawnSync("tshark", ["-r", pcap, "-q", "-z", `io,stat,1,${filter}`], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  // rows "|  0 <>  1 | 20000 | …": the interval's start and the filter's frames
  return [...r.stdout.matchAll(/^\|\s*(\d+)\s*<>\s*(?:\d+|Dur)\s*\|\s*(\d+)\s*\|/gm)].map((m) => Number(m[2]));
}

const run = (args) => {
  if (existsSync(out)) writeFileSync(out, "");
  return flowprobe(["-r", pcap, "--seed", "1", ...args]);
};
const alertLines = (stderr) => stderr.split("\n").filter((l) => l.startsWith("flowprobe: flood: target"));

test("a 20 kpps flow and a SYN scan: one alert each per holdoff, with the rates tshark counts; the action gets exactly the flooding addresses", () => {
  const perSecond = tsharkPerSecond("ip.src==10.0.0.1");
  assert.deepEqual(perSecond.slice(0, 3), [20000, 20000, 20000], "tshark: the flood is 20,000 packets in each of its 3 seconds");
  const synsIn3 = tsharkPerSecond("ip.src==10.0.0.3 && tcp.flags.syn==1")[3];
  assert.equal(synsIn3, 3000);
  const r = run(["--flood-pps", "5000", "--flood-new-flows", "500", "--flood-action", `${script} {addr} {kind} {target}`]);
  assert.equal(r.status, 0, r.stderr);
  const lines = alertLines(r.stderr);
  // three seconds of flooding, one logged alert (holdoff 60 s); one per scanning source
  assert.equal(lines.length, 3, r.stderr);
  // the alert comes at the packet that passes the limit, with the count and the time it took
  const m0 = /^flowprobe: flood: target default: source 10\.0\.0\.1 sent 5001 packets in 0\.250 s \((\d+)\/s\) in one flow \(pps\): udp 10\.0\.0\.1:40000 > 10\.0\.0\.2:9999, first seen 2023-11-14T22:13:20\.250Z; held off for 60 s$/.exec(lines[0]);
  assert.ok(m0, lines[0]);
  assert.ok(Math.abs(Number(m0[1]) - perSecond[0]) / perSecond[0] < 0.001, `the rate ${m0[1]}/s is tshark's ${perSecond[0]} to 0.1%`);
  // the count-min sketch never counts low, and here (few sources) not high either: 501 SYNs
  // in the scan's first 1/6 s, the rate tshark counts over its whole second
  const m1 = /^flowprobe: flood: target default: source 10\.0\.0\.3 created 501 new flows in 0\.167 s \((\d+)\/s\) \(new-flows\)/.exec(lines[1]);
  assert.ok(m1, lines[1]);
  assert.ok(Math.abs(Number(m1[1]) - synsIn3) / synsIn3 < 0.005, `${m1[1]}/s against tshark's ${synsIn3}`);
  // (its new flows come from 3 ms into the second: the rate is since the second began)
  assert.match(lines[2], /^flowprobe: flood: target default: source 2001:db8::66 created 501 new flows in 0\.500 s \(1002\/s\) \(new-flows\)/);
  assert.ok(!r.stderr.includes("10.0.0.4 "), "the neighbour is never alerted");
  assert.match(r.stderr, /flood alerts 5 \(pps 3, new-flows 2\): logged 3, held off 2, lost 0; --flood-action run 3 \(failed 0\), not run over the rate limit 0/);
  assert.equal(readFileSync(out, "utf8"), "|10.0.0.1|pps|default\n|10.0.0.3|new-flows|default\n|2001:db8::66|new-flows|default\n");
  assert.match(r.stderr, /flowprobe: flood action \S+action\.sh for 10\.0\.0\.1 \(pps, target default\): exit 0/);
});

test("--flood-holdoff 1: the flow is alerted again each second it floods", () => {
  const r = run(["--flood-pps", "5000", "--flood-holdoff", "1", "--flood-action", script + " {addr}"]);
  assert.equal(r.status, 0, r.stderr);
  const pps = alertLines(r.stderr).filter((l) => l.includes("(pps)"));
  assert.deepEqual(pps.map((l) => /first seen (\S+);/.exec(l)[1]), ["2023-11-14T22:13:20.250Z", "2023-11-14T22:13:21.250Z", "2023-11-14T22:13:22.250Z"]);
  assert.equal(readFileSync(out, "utf8"), "|10.0.0.1\n".repeat(3));
  assert.ok(!alertLines(r.stderr).some((l) => l.includes("new-flows")), "no new-flows detection without --flood-new-flows");
});

test("limits above the traffic alert nothing; the flood's own limit is exclusive (more than N)", () => {
  const r = run(["--flood-pps", "20000", "--flood-new-flows", "3000"]);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(alertLines(r.stderr), []);
  const s = run(["--flood-pps", "19999"]);
  assert.equal(alertLines(s.stderr).length, 1, s.stderr);
});

test("the action's argv: sh-like quoting split once, placeholders replaced inside an argument, no shell", () => {
  const r = run(["--flood-pps", "5000", "--flood-action", `${script} 'a b' "{addr} x;\\$(id)" {kind}{target} \\{addr}`]);
  assert.equal(r.status, 0, r.stderr);
  // (\{addr} is still {addr} after the quoting: a placeholder, replaced)
  assert.equal(readFileSync(out, "utf8"), "|a b|10.0.0.1 x;$(id)|ppsdefault|10.0.0.1\n");
});

test("a config file's target gives its own flood_pps; the alert names the target", () => {
  const cfg = path.join(dir, "flood.json");
  writeFileSync(cfg, JSON.stringify({ flood_holdoff: 60, targets: [{ name: "edge", protocol: "json", flood_pps: 10000 }] }));
  const r = run(["--config", cfg, "--flood-action", `${script} {target} {addr}`]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(alertLines(r.stderr).length, 1, r.stderr);
  assert.match(alertLines(r.stderr)[0], /^flowprobe: flood: target edge: source 10\.0\.0\.1 sent 10001 packets in 0\.500 s/);
  assert.equal(readFileSync(out, "utf8"), "|edge|10.0.0.1\n");
});

test("the JSON flows are the same with flood detection as without", () => {
  const a = run([]);
  const b = run(["--flood-pps", "5000", "--flood-new-flows", "500"]);
  assert.equal(a.status, 0);
  assert.equal(b.stdout, a.stdout);
});

test("bad flood options: a clear message and exit 2", () => {
  const cases = [
    [["--flood-pps", "-1"], /--flood-pps/],
    [["--flood-pps", "lots"], /--flood-pps/],
    [["--flood-new-flows", "2000000000"], /--flood-new-flows/],
    [["--flood-holdoff", "0"], /--flood-holdoff/],
    [["--flood-pps", "10", "--flood-action", "'unclosed {addr}"], /--flood-action .*single quote at column 1 is not closed/],
    [["--flood-pps", "10", "--flood-action", `${script} "{addr}`], /double quote .* is not closed/],
    [["--flood-pps", "10", "--flood-action", `${script} {address}`], /unknown placeholder \{address\} .*\{addr\}, \{kind\}, \{target\}/],
    [["--flood-pps", "10", "--flood-action", "   "], /no program to run/],
    [["--flood-pps", "10", "--flood-action", "/nonexistent/block {addr}"], /"\/nonexistent\/block" is not a file this user may run/],
    [["--flood-pps", "10", "--flood-action", "no-such-program-fld13 {addr}"], /no program "no-such-program-fld13" in PATH/],
    [["--flood-action", `${script} {addr}`], /--flood-action without flood detection/],
  ];
  for (const [args, re] of cases) {
    const r = run(args);
    assert.equal(r.status, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, re, args.join(" "));
  }
  const cfg = path.join(dir, "bad.json");
  writeFileSync(cfg, JSON.stringify({ targets: [{ name: "edge", protocol: "json", flood_pps: "many" }] }));
  const r = run(["--config", cfg]);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /flood_pps/);
});
