// Ring statistics per interface (src/sources/rings.ts, the FP_RING message of
// shim/flowprobe-capture.c): the message's bytes as the shim's head comment lays them out; the
// rows' staging, commit and carry over a shim restart; and live, in namespaces of prefix rng
// with two veth pairs, tcpreplay sending a known number of packets into each: each
// interface's row (stat --json, the stat text, the metrics page checked by promtool) equals
// what was sent into it, the rows sum to the totals, an interface deleted and made again keeps
// its row and goes on counting, ring drops forced on both interfaces land each on its own row
// (the flows of each interface confirm it), and --capture cap counts per interface too.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { cli, fixtures, parseFlows } from "./helpers/run.mjs";
import { freePort } from "./helpers/collector.mjs";
import { lib } from "./helpers/meter.mjs";
import { makeNs, until } from "./helpers/netns.mjs";
import { oracleOf, replay, startLive } from "./helpers/live.mjs";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---- the message ----

/** An FP_RING payload laid out by hand from the shim's head comment (not through ringMessage). */
function handMade({ packets, drops, freezes, ifindex, open, name }) {
  const b = Buffer.alloc(32 + Buffer.byteLength(name));
  const v = new DataView(b.buffer);
  v.setBigUint64(0, packets, true);
  v.setBigUint64(8, drops, true);
  v.setBigUint64(16, freezes, true);
  v.setUint32(24, ifindex, true);
  v.setUint32(28, open ? 1 : 0, true);
  b.write(name, 32);
  return b;
}

test("FP_RING: the documented bytes read back exactly (64-bit counts past 2^53, at an offset), and ringMessage writes the same bytes", () => {
  const row = { name: "pppoe-wan", packets: 2n ** 60n + 7n, drops: 2n ** 53n + 1n, freezes: 3n, ifindex: 100, open: true };
  const bytes = handMade(row);
  assert.deepEqual(lib.ringMessage(row), bytes);
  // inside a larger buffer, as the FIFO reader's payloads may be
  const big = Buffer.alloc(bytes.length + 13);
  bytes.copy(big, 5);
  assert.deepEqual(lib.parseRingMessage(big.subarray(5, 5 + bytes.length)), row);
  const awaited = { name: "any", packets: 0n, drops: 0n, freezes: 0n, ifindex: 0, open: false };
  assert.deepEqual(lib.parseRingMessage(handMade(awaited)), awaited);
});

test("FP_RING of another shape: an error that says what was wrong and what is expected", () => {
  const short = handMade({ name: "", packets: 1n, drops: 0n, freezes: 0n, ifindex: 2, open: true });
  assert.throws(() => lib.parseRingMessage(short), (e) => e instanceof lib.FlowprobeError && e.code === "E_CAPTURE" &&
    e.message === "the capture shim's ring statistics (message FP_RING) has 32 bytes; expected more than 32: three u64 counts and two u32 (32 bytes), then an interface name of at least one byte: is flowprobe-capture from another build?");
  const cut = handMade({ name: "eth0", packets: 1n, drops: 0n, freezes: 0n, ifindex: 2, open: true }).subarray(0, 20);
  assert.throws(() => lib.parseRingMessage(cut), { message: /FP_RING\) has 20 bytes; expected more than 32: / });
  const state = handMade({ name: "eth0", packets: 1n, drops: 0n, freezes: 0n, ifindex: 2, open: true });
  state.writeUInt32LE(7, 28);
  assert.throws(() => lib.parseRingMessage(state), /FP_RING\) says state 7; expected 1 \(open\) or 0 \(awaited\)/);
});

test("RingRows: rows appear at the commit (FP_STATS), keyed by name in first-seen order; a restarted shim's counts add to what the rows held", () => {
  const rows = new lib.RingRows();
  const msg = (name, packets, drops, ifindex, open = true) => handMade({ name, packets, drops, freezes: drops > 0n ? 1n : 0n, ifindex, open });
  rows.stage(msg("eth0", 100n, 0n, 2));
  rows.stage(msg("ppp0", 40n, 5n, 9));
  assert.deepEqual(rows.rows, [], "nothing before the FP_STATS");
  rows.commit();
  assert.deepEqual(rows.rows.map((r) => [r.name, r.packets, r.drops, r.ifindex, r.open]), [["eth0", 100n, 0n, 2, true], ["ppp0", 40n, 5n, 9, true]]);
  // ppp0 went away and came back under another ifindex: the shim's row goes on
  rows.stage(msg("eth0", 150n, 0n, 2));
  rows.stage(msg("ppp0", 60n, 5n, 9, false));
  rows.commit();
  rows.stage(msg("eth0", 160n, 0n, 2));
  rows.stage(msg("ppp0", 70n, 5n, 12));
  rows.commit();
  assert.deepEqual(rows.rows.map((r) => [r.name, r.packets, r.ifindex, r.open]), [["eth0", 160n, 2, true], ["ppp0", 70n, 12, true]]);
  // the shim died: until the next one reports, the rows stand, closed; its counts start again from 0
  rows.stage(msg("eth0", 999n, 0n, 2)); // (staged, never committed: lost with the shim)
  rows.restarted();
  assert.deepEqual(rows.rows.map((r) => [r.name, r.packets, r.open]), [["eth0", 160n, false], ["ppp0", 70n, false]]);
  rows.stage(msg("ppp0", 3n, 1n, 13));
  rows.stage(msg("eth0", 10n, 0n, 2));
  rows.commit();
  assert.deepEqual(rows.rows.map((r) => [r.name, r.packets, r.drops, r.freezes, r.ifindex, r.open]), [["eth0", 170n, 0n, 0n, 2, true], ["ppp0", 73n, 6n, 2n, 13, true]]);
});

test("RingRows: after a shim restart, an interface the new shim never opened (closed, ifindex 0) keeps the number it last had; one it opens takes the new one", () => {
  const rows = new lib.RingRows();
  const msg = (name, packets, ifindex, open) => handMade({ name, packets, drops: 0n, freezes: 0n, ifindex, open });
  rows.stage(msg("eth0", 100n, 2, true));
  rows.stage(msg("ppp0", 40n, 9, true));
  rows.stage(msg("wg0", 0n, 0, false)); // never there: nothing to keep
  rows.commit();
  rows.restarted();
  // the new shim: eth0 open again; ppp0 gone meanwhile, so it never opened it and reports 0
  rows.stage(msg("eth0", 5n, 2, true));
  rows.stage(msg("ppp0", 0n, 0, false));
  rows.stage(msg("wg0", 0n, 0, false));
  rows.commit();
  assert.deepEqual(rows.rows.map((r) => [r.name, r.packets, r.ifindex, r.open]), [["eth0", 105n, 2, true], ["ppp0", 40n, 9, false], ["wg0", 0n, 0, false]]);
  // and again at the next reading (the kept number is the row's, not the message's)
  rows.stage(msg("eth0", 6n, 2, true));
  rows.stage(msg("ppp0", 0n, 0, false));
  rows.stage(msg("wg0", 0n, 0, false));
  rows.commit();
  assert.deepEqual(rows.rows.map((r) => [r.name, r.ifindex, r.open]), [["eth0", 2, true], ["ppp0", 9, false], ["wg0", 0, false]]);
  // ppp0 comes back under a new ifindex, and wg0 appears: the numbers they have now
  rows.stage(msg("eth0", 7n, 2, true));
  rows.stage(msg("ppp0", 3n, 14, true));
  rows.stage(msg("wg0", 1n, 15, true));
  rows.commit();
  assert.deepEqual(rows.rows.map((r) => [r.name, r.packets, r.ifindex, r.open]), [["eth0", 107n, 2, true], ["ppp0", 43n, 14, true], ["wg0", 1n, 15, true]]);
  // closed with a number (the shim had it open, then lost it): the message's number stands
  rows.stage(msg("ppp0", 3n, 14, false));
  rows.commit();
  assert.deepEqual(rows.rows.map((r) => [r.name, r.ifindex, r.open]), [["eth0", 2, true], ["ppp0", 14, false], ["wg0", 15, true]]);
});

// ---- live ----

const ctl = (...args) => spawnSync(process.execPath, [cli, ...args], { encoding: "utf8" });
/** One JSON answer line with every integer exact. */
const exact = (line) => JSON.parse(line.replace(/([:[,])(-?\d{16,})(?=[,}\]])/g, '$1"$2"'));
const statOf = (sock) => {
  const r = ctl("stat", "--json", "--control", sock);
  return r.status === 0 ? exact(r.stdout).stat : undefined;
};
const rowsOf = (stat) => Object.fromEntries(stat.input.rings.map((r) => [r.name, r]));
const big = (v) => BigInt(v);

function promtool(page) {
  const r = spawnSync("promtool", ["check", "metrics"], { input: page, encoding: "utf8" });
  if (r.error) throw r.error;
  assert.deepEqual({ status: r.status, out: `${r.stdout}${r.stderr}` }, { status: 0, out: "" }, `promtool check metrics:\n--- page ---\n${page}`);
}

/** A namespace with the veth pairs ra0–ra1 and rb0–rb1; fn(ns, ifindex of ra0, of rb0); a temporary directory for the control socket. */
async function withTwo(fn) {
  const dir = mkdtempSync(path.join(tmpdir(), "rng-"));
  const ns = makeNs("rng");
  try {
    return await fn(ns, ns.veth("ra0", "ra1"), ns.veth("rb0", "rb1"), path.join(dir, "fp.sock"));
  } finally {
    ns.del();
    rmSync(dir, { recursive: true, force: true });
  }
}

const A = "zeek--http--bro.org.pcap"; // 751 packets
const B = "zeek--http--methods.pcap"; // 655
const C = "zeek--icmp_dot1q.pcap"; // 15

test("live, two interfaces: each ring's row is what tcpreplay sent into it, the rows sum to the totals; an interface deleted and made again keeps its row and goes on counting", async () => {
  await withTwo(async (ns, ia, ib, sock) => {
    const [na, nb, nc] = [A, B, C].map((n) => oracleOf(n).oracle.packets);
    assert.notEqual(na, nb);
    const port = freePort();
    const run = await startLive(ns, ["-i", "ra0,rb0", "--promisc", "--control", sock, "--metrics", String(port)]);
    try {
      await until(() => /capturing on ra0/.test(run.stderr) && /capturing on rb0/.test(run.stderr), 5000, `both captured: ${run.stderr}`);
      replay(ns, "ra1", A);
      replay(ns, "rb1", B);
      let stat;
      await until(() => (stat = statOf(sock)) && big(stat.input.kernel.packets) === big(na + nb), 10000, `${na + nb} packets counted: ${JSON.stringify(stat?.input)}`);
      let rows = rowsOf(stat);
      assert.deepEqual(stat.input.rings.map((r) => r.name), ["ra0", "rb0"], "a row per interface, in -i's order");
      assert.deepEqual([rows.ra0.packets, rows.ra0.drops, rows.ra0.freezes, rows.ra0.ifindex, rows.ra0.open], [na, 0, 0, ia, true]);
      assert.deepEqual([rows.rb0.packets, rows.rb0.drops, rows.rb0.freezes, rows.rb0.ifindex, rows.rb0.open], [nb, 0, 0, ib, true]);
      assert.equal(big(stat.meter.read), big(na + nb), "the meter read every packet the rings took");
      // the stat text: a line per interface under Capture
      const text = ctl("stat", "--control", sock).stdout;
      assert.match(text, new RegExp(`^Capture: shim, kernel packets ${na + nb}, ring drops 0, freezes 0 \\(all interfaces together\\); restarts 0; clock steps 0\n  iface ra0\\(${ia}\\): packets ${na}, ring drops 0, freezes 0\n  iface rb0\\(${ib}\\): packets ${nb}, ring drops 0, freezes 0\n`, "m"));
      // the metrics page (inside the namespace, its loopback): promtool accepts it; the rows, by interface
      const page = ns.exec(process.execPath, ["-e", `fetch("http://127.0.0.1:${port}/metrics").then((r) => r.text()).then((t) => process.stdout.write(t))`]);
      promtool(page);
      for (const [name, n] of [["ra0", na], ["rb0", nb]]) {
        assert.match(page, new RegExp(`^flowprobe_ring_packets_total\\{interface="${name}"\\} ${n}$`, "m"));
        assert.match(page, new RegExp(`^flowprobe_ring_drops_total\\{interface="${name}"\\} 0$`, "m"));
        assert.match(page, new RegExp(`^flowprobe_ring_freezes_total\\{interface="${name}"\\} 0$`, "m"));
      }
      assert.doesNotMatch(page, /^flowprobe_kernel_packets_total/m, "no unlabelled sum beside its breakdown");

      // rb0 goes (as pppd's link: down, then deleted) and comes back under a new ifindex
      ns.ip("link", "set", "rb0", "down");
      ns.ip("link", "del", "rb0");
      await until(() => (stat = statOf(sock)) && rowsOf(stat).rb0.open === false, 5000, `rb0 seen gone: ${run.stderr}`);
      rows = rowsOf(stat);
      assert.deepEqual([rows.rb0.packets, rows.rb0.ifindex], [nb, ib], "the row stands while it is gone");
      assert.match(ctl("stat", "--control", sock).stdout, new RegExp(`\n  iface rb0\\(${ib}, awaited\\): packets ${nb}, ring drops 0, freezes 0\n`));
      const ib2 = ns.veth("rb0", "rb1");
      assert.notEqual(ib2, ib);
      await until(() => new RegExp(`capturing on rb0 \\(ifindex ${ib2}\\)`).test(run.stderr), 5000, `rb0 captured again: ${run.stderr}`);
      replay(ns, "rb1", C);
      replay(ns, "ra1", C);
      await until(() => (stat = statOf(sock)) && big(stat.input.kernel.packets) === big(na + nb + 2 * nc), 10000, `${na + nb + 2 * nc} packets counted: ${JSON.stringify(stat?.input)}`);
      rows = rowsOf(stat);
      assert.deepEqual(stat.input.rings.map((r) => r.name), ["ra0", "rb0"], "still one row per name");
      assert.deepEqual([rows.ra0.packets, rows.ra0.ifindex, rows.ra0.open], [na + nc, ia, true]);
      assert.deepEqual([rows.rb0.packets, rows.rb0.ifindex, rows.rb0.open], [nb + nc, ib2, true], "before and after, in one row, under its new ifindex");
      assert.equal(big(rows.ra0.packets) + big(rows.rb0.packets), big(stat.input.kernel.packets));
      assert.equal(big(stat.meter.read), big(na + nb + 2 * nc));
      await run.stop();
      assert.equal(run.code, 0, run.stderr);
      // the summary: the totals, then each interface's ring
      const n = (x) => x.toLocaleString("en-US");
      assert.match(run.stderr, new RegExp(`  kernel: packets ${n(na + nb + 2 * nc)}, ring drops 0, ring freezes 0; interfaces ra0 \\(ifindex ${ia}\\), rb0 \\(ifindex ${ib}\\), rb0 \\(ifindex ${ib2}\\)\n` +
        `    ra0: packets ${n(na + nc)}, ring drops 0, ring freezes 0\n    rb0: packets ${n(nb + nc)}, ring drops 0, ring freezes 0\n`));
    } finally {
      run.child.kill("SIGKILL");
    }
  });
});

/** The pid of flowprobe's capture shim (its child), from /proc. */
function shimPid(parent) {
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      const m = /^\d+ \((.*)\) \S (\d+)/.exec(stat);
      if (m && m[1].startsWith("flowprobe-captu") && Number(m[2]) === parent) return Number(d);
    } catch {
      // (gone meanwhile)
    }
  }
  throw new Error(`no capture shim under ${parent}`);
}

test("live, ring drops forced on both interfaces (2 MiB rings, the shim stopped while bursts of different sizes come in): each row has its own interface's drops, which the flows of that interface confirm (the meter read what its ring kept)", async () => {
  await withTwo(async (ns, ia, ib, sock) => {
    const run = await startLive(ns, ["-i", "ra0,rb0", "--promisc", "--ring-size", "2", "--control", sock]);
    try {
      await until(() => /capturing on ra0/.test(run.stderr) && /capturing on rb0/.test(run.stderr), 5000, `both captured: ${run.stderr}`);
      const shim = shimPid(run.child.pid);
      // far more than a 2 MiB ring holds on each: A into the second interface of -i, B into the
      // first, so drops booked to the first interface whatever their ring would fail
      const loopsA = 40;
      const loopsB = 30;
      const sentB = loopsB * oracleOf(B).oracle.packets; // 19650 packets into ra0
      const sentA = loopsA * oracleOf(A).oracle.packets; // 30040 into rb0
      process.kill(shim, "SIGSTOP");
      try {
        ns.exec("tcpreplay", ["-q", "-i", "ra1", "--pps", "20000", `--loop=${loopsB}`, path.join(fixtures, "pcaps", B)], { stdio: "ignore" });
        ns.exec("tcpreplay", ["-q", "-i", "rb1", "--pps", "20000", `--loop=${loopsA}`, path.join(fixtures, "pcaps", A)], { stdio: "ignore" });
      } finally {
        process.kill(shim, "SIGCONT");
      }
      let stat;
      await until(() => (stat = statOf(sock)) && big(stat.input.kernel.packets) === big(sentA + sentB), 10000, `${sentA + sentB} packets counted: ${JSON.stringify(stat?.input)}`);
      await sleep(1500); // (the next reading too: nothing more comes)
      stat = statOf(sock);
      const rows = rowsOf(stat);
      assert.deepEqual([rows.ra0.packets, rows.rb0.packets], [sentB, sentA], "the kernel's packets, each interface's own, include its drops");
      for (const name of ["ra0", "rb0"]) {
        assert.ok(rows[name].drops > 0, `drops on ${name}: ${JSON.stringify(rows[name])}`);
        assert.ok(rows[name].freezes > 0, `${name}'s ring frozen full: ${JSON.stringify(rows[name])}`);
      }
      assert.equal(big(stat.input.kernel.drops), big(rows.ra0.drops) + big(rows.rb0.drops));
      assert.equal(big(stat.input.kernel.freezes), big(rows.ra0.freezes) + big(rows.rb0.freezes));
      const drops = big(rows.ra0.drops) + big(rows.rb0.drops);
      assert.equal(big(stat.meter.read), big(sentA + sentB) - drops, "the meter read what the rings kept");
      await run.stop();
      assert.equal(run.code, 0, run.stderr);
      // each interface's flows (in_if) hold what its own ring kept: its packets less its drops
      // (A and B are IP only: every packet kept is metered)
      const kept = new Map([[BigInt(ia), 0n], [BigInt(ib), 0n]]);
      for (const f of parseFlows(run.stdout)) {
        assert.ok(kept.has(f.in_if), `a flow from ifindex ${f.in_if}, neither ra0 (${ia}) nor rb0 (${ib})`);
        kept.set(f.in_if, kept.get(f.in_if) + f.packets);
      }
      assert.deepEqual([kept.get(BigInt(ia)), kept.get(BigInt(ib))], [big(sentB) - big(rows.ra0.drops), big(sentA) - big(rows.rb0.drops)],
        `metered per interface against each row's packets less its drops: ${JSON.stringify(rows)}`);
      const n = (x) => x.toLocaleString("en-US");
      assert.match(run.stderr, new RegExp(`\n    ra0: packets ${n(sentB)}, ring drops ${n(rows.ra0.drops)}, ring freezes ${rows.ra0.freezes}\n    rb0: packets ${n(sentA)}, ring drops ${n(rows.rb0.drops)}, ring freezes ${rows.rb0.freezes}\n`));
    } finally {
      run.child.kill("SIGKILL");
    }
  });
});

test("live: the capture shim killed and started again: each row goes on from what it held (the new shim counts from 0)", async () => {
  await withTwo(async (ns, ia, ib, sock) => {
    const [na, nb, nc] = [A, B, C].map((n) => oracleOf(n).oracle.packets);
    const run = await startLive(ns, ["-i", "ra0,rb0", "--promisc", "--control", sock]);
    try {
      await until(() => /capturing on ra0/.test(run.stderr) && /capturing on rb0/.test(run.stderr), 5000, `both captured: ${run.stderr}`);
      replay(ns, "ra1", A);
      replay(ns, "rb1", B);
      let stat;
      await until(() => (stat = statOf(sock)) && big(stat.input.kernel.packets) === big(na + nb), 10000, `${na + nb} packets counted`);
      const first = shimPid(run.child.pid);
      process.kill(first, "SIGKILL");
      await until(() => (run.stderr.match(/capturing on rb0/g) ?? []).length === 2, 10000, `the shim started again: ${run.stderr}`);
      replay(ns, "ra1", C);
      await until(() => (stat = statOf(sock)) && big(stat.input.kernel.packets) === big(na + nb + nc), 10000, `${na + nb + nc} packets counted: ${JSON.stringify(stat?.input)}`);
      const rows = rowsOf(stat);
      assert.equal(stat.input.restarts, 1);
      assert.deepEqual([rows.ra0.packets, rows.ra0.open, rows.rb0.packets, rows.rb0.open], [na + nc, true, nb, true]);
      await run.stop();
      assert.equal(run.code, 0, run.stderr);
    } finally {
      run.child.kill("SIGKILL");
    }
  });
});

test("live --capture cap, two interfaces: a row per interface with the packets libpcap gave; drops not reported", async () => {
  await withTwo(async (ns, ia, ib, sock) => {
    const [na, nc] = [A, C].map((n) => oracleOf(n).oracle.packets);
    const port = freePort();
    const run = await startLive(ns, ["--capture", "cap", "-i", "ra0,rb0", "--promisc", "--control", sock, "--metrics", String(port)]);
    try {
      await until(() => /capturing on ra0/.test(run.stderr) && /capturing on rb0/.test(run.stderr), 10000, `both captured: ${run.stderr}`);
      await sleep(500);
      replay(ns, "ra1", A);
      replay(ns, "rb1", C);
      let stat;
      await until(() => (stat = statOf(sock)) && big(stat.input.kernel.packets) === big(na + nc), 10000, `${na + nc} packets counted: ${JSON.stringify(stat?.input)}`);
      const rows = rowsOf(stat);
      assert.deepEqual([rows.ra0.packets, rows.ra0.ifindex, rows.ra0.open], [na, ia, true]);
      assert.deepEqual([rows.rb0.packets, rows.rb0.ifindex, rows.rb0.open], [nc, ib, true]);
      const text = ctl("stat", "--control", sock).stdout;
      assert.match(text, new RegExp(`^Capture: cap, packets ${na + nc}, drops not reported \\(all interfaces together\\); restarts 0; clock steps 0\n  iface ra0\\(${ia}\\): packets ${na}, drops not reported\n  iface rb0\\(${ib}\\): packets ${nc}, drops not reported\n`, "m"));
      const page = ns.exec(process.execPath, ["-e", `fetch("http://127.0.0.1:${port}/metrics").then((r) => r.text()).then((t) => process.stdout.write(t))`]);
      promtool(page);
      assert.match(page, new RegExp(`^flowprobe_ring_packets_total\\{interface="ra0"\\} ${na}$`, "m"));
      assert.match(page, new RegExp(`^flowprobe_ring_packets_total\\{interface="rb0"\\} ${nc}$`, "m"));
      assert.doesNotMatch(page, /flowprobe_ring_drops_total|flowprobe_ring_freezes_total/, "no drop figures libpcap did not give");
      await run.stop();
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stderr, new RegExp(`\n    ra0: packets ${na}\n    rb0: packets ${nc}\n`));
    } finally {
      run.child.kill("SIGKILL");
    }
  });
});
