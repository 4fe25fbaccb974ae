// Live capture through the portable backend, --capture cap (libpcap in the Node process
// through the npm package cap), in network namespaces the tests create: the same replayed
// captures as live.test.mjs, the same oracles.
import { test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import path from "node:path";
import { root, fixtures, parseFlows } from "./helpers/run.mjs";
import { makeNs, until } from "./helpers/netns.mjs";
import { oracleOf, captureReplay, startLive, replay, num, compare, withVeth } from "./helpers/live.mjs";

const CAP = ["--capture", "cap"];

test("--capture cap, --promisc: a replayed capture is metered exactly as its oracle says", async () => {
  await withVeth("fp-cap", async (ns, ifindex) => {
    const run = await captureReplay(ns, [...CAP, "-i", "fp0", "--promisc"], "zeek--http--bro.org.pcap");
    const { oracle } = oracleOf("zeek--http--bro.org.pcap");
    compare(run.stdout, oracle);
    assert.equal(num(/read ([\d,]+) packets/, run.stderr), oracle.packets);
    assert.match(run.stderr, new RegExp(`capture: libpcap \\(--capture cap\\): packets ${oracle.packets}, drops not reported \\(cap does not give libpcap's\\); interfaces fp0 \\(ifindex ${ifindex}\\)`));
    assert.doesNotMatch(run.stderr, /This may not actually work/, "cap's warning about an interface without IPv4 is not passed on");
    for (const f of parseFlows(run.stdout)) assert.equal(f.in_if, BigInt(ifindex));
  });
});

test("--capture cap, without --promisc: frames addressed to another host are skipped and counted (told apart by MAC); with it, 802.1Q frames keep their VLAN id", async () => {
  await withVeth("fp-cap", async (ns) => {
    let run = await captureReplay(ns, [...CAP, "-i", "fp0"], "zeek--icmp_dot1q.pcap");
    assert.equal(num(/read ([\d,]+) packets/, run.stderr), 15);
    assert.equal(num(/frame addressed to another host: ([\d,]+)/, run.stderr), 11);
    assert.equal(num(/non-IP ([\d,]+)/, run.stderr), 4);
    assert.equal(run.stdout, "");
    run = await captureReplay(ns, [...CAP, "-i", "fp0", "--promisc"], "zeek--icmp_dot1q.pcap");
    compare(run.stdout, oracleOf("zeek--icmp_dot1q.pcap").oracle);
    for (const f of parseFlows(run.stdout)) assert.equal(f.vlan_id, 123n);
  });
});

test("--capture cap: an interface taken down (which aborts cap's process) and brought up again: the capture process is started again, waits for the interface, and capture goes on; no flow is lost", async () => {
  await withVeth("fp-cap", async (ns) => {
    const run = await startLive(ns, [...CAP, "-i", "fp0", "--promisc"]);
    replay(ns, "fp1", "zeek--http--bro.org.pcap");
    await new Promise((r) => setTimeout(r, 300));
    ns.ip("link", "set", "fp0", "down");
    await until(() => /the libpcap capture process ended/.test(run.stderr), 5000, `the child's end: ${run.stderr}`);
    await new Promise((r) => setTimeout(r, 1500));
    ns.ip("link", "set", "fp0", "up");
    await until(() => (run.stderr.match(/capturing on fp0/g) ?? []).length === 2, 10000, `capture again: ${run.stderr}`);
    replay(ns, "fp1", "zeek--http--bro.org.pcap");
    await run.stop();
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /fp0 is missing or down; waiting for it/);
    assert.match(run.stderr, /capture process restarted 1 times/);
    // both replays whole (IPv6 router solicitations of the veth coming up aside)
    const ipv4 = parseFlows(run.stdout).filter((f) => f.etype === 2048n);
    assert.equal(ipv4.reduce((n, f) => n + f.packets, 0n), 2n * 751n);
  });
});

test("--capture cap --filter: libpcap runs the filter; what it drops is never read", async () => {
  await withVeth("fp-cap", async (ns) => {
    const run = await captureReplay(ns, [...CAP, "-i", "fp0", "--promisc", "--filter", "icmp and src host 192.168.123.2"], "zeek--icmp_dot1q.pcap");
    const flows = parseFlows(run.stdout);
    assert.equal(flows.length, 1);
    assert.deepEqual([flows[0].src_addr, flows[0].packets], ["192.168.123.2", 5n]);
    assert.equal(num(/read ([\d,]+) packets/, run.stderr), 5);
  });
});

test("--capture cap without the cap package installed beside flowprobe: a clear error", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "fp-nocap-"));
  try {
    for (const f of ["flowprobe.cjs", "flowprobe.wasm"]) copyFileSync(path.join(root, "dist", f), path.join(dir, f));
    const ns = makeNs("fp-cap");
    try {
      ns.veth("fp0", "fp1");
      const r = spawnSync("ip", ["netns", "exec", ns.name, process.execPath, path.join(dir, "flowprobe.cjs"), ...CAP, "-i", "fp0"], { cwd: dir, encoding: "utf8", timeout: 20000 });
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, /--capture cap needs the npm package cap \(libpcap bindings\), which could not be loaded .*npm install cap/);
    } finally {
      ns.del();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("--capture: a bad value, or the shim's own option with cap, is a usage error", () => {
  const sample = path.join(fixtures, "pcaps", "zeek--http--bro.org.pcap");
  for (const [args, re] of [
    [["-i", "fp0", "--capture", "pcap"], /--capture pcap: expected shim or cap/],
    [["-i", "fp0", "--capture", "cap", "--capture-helper", "/x"], /--capture-helper is the shim's: not with --capture cap/],
    [["-r", sample, "--capture", "cap"], /--capture is for live capture: give --interfaces/],
  ]) {
    const r = spawnSync(process.execPath, [path.join(root, "dist", "flowprobe.cjs"), ...args], { encoding: "utf8" });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, re);
  }
});
