// Issue 13's live proofs in ONE namespace replay (prefix prf): tcpreplay sends a small capture
// (zeek--tunnels--Teredo.pcap, 78 frames) in a loop at a fixed --pps for 15 s into a veth
// while flowprobe (the CLI and its shim) captures the other end with --control and named
// counters from its config file. Meanwhile:
// - `stat --json` is read every second: in the steady middle every 1-second packet rate is
//   within 5% of the pps (the issue's bound; and within 1%, which rates by the reading's wall
//   time fail), and the bit rate within 5% (and 1%) of what the capture's own packet sizes
//   (read by tshark) give for that many packets;
// - one persistent connection reads and zeroes the counters every 100 ms: every reading
//   plus the last one (after the replay) add up, per counter, to the oracle's packets and
//   bytes for its selector times the loops — the restriction written here over the oracle's
//   5-tuples, apart from flowprobe's selector compiler;
// a stale socket file at the control path (a killed listener's) is reused; then every verb
// against the still running capture: statistics (softflowctl's spelling),
// dump-flows --target (the 5-tuples tcpdump recorded on the capture interface), timeouts,
// counters NAME and --reset NAME, alerts (the flows the replay made flood), reload (a counter
// added to the config file), send-template, delete-all (softflowctl's spellings) and exit:
// the final `stat --json` totals equal the end-of-run summary's.
// Also here, reusing the namespace: a --user run whose stat-file or control directory that
// user cannot write refuses to start, exit 2.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { cli, fixtures, parseFlows, key } from "./helpers/run.mjs";
import { withVeth, startLive, oracleOf } from "./helpers/live.mjs";
import { until } from "./helpers/netns.mjs";
import { connect } from "./helpers/control.mjs";
import { addrValue } from "./helpers/aggregate.mjs";

const NAME = "zeek--tunnels--Teredo.pcap";
const FILE = path.join(fixtures, "pcaps", NAME);
const PPS = 2000;
const SECONDS = 15;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const ctl = (...args) => spawnSync(process.execPath, [cli, ...args], { encoding: "utf8" });

// ---- the counters, and the same choice written over an oracle flow ----
const ported = (f) => f.proto === 6 || f.proto === 17 || f.proto === 132;
const port = (f, ...ps) => ported(f) && (ps.includes(f.sport) || ps.includes(f.dport));
const inNet = (a, base, bits) => !a.includes(":") && (addrValue(a)[1] >> BigInt(32 - bits)) === (addrValue(base)[1] >> BigInt(32 - bits));
const COUNTERS = [
  ["all", "", () => true],
  ["web", "tcp port 80", (f) => f.proto === 6 && port(f, 80)],
  ["dns", "udp port 53", (f) => f.proto === 17 && port(f, 53)],
  ["teredo", "udp and host 83.170.1.38", (f) => f.proto === 17 && (f.src === "83.170.1.38" || f.dst === "83.170.1.38")],
  ["lan-bcast", "dst net 192.168.2.255/32", (f) => inNet(f.dst, "192.168.2.255", 32)],
  ["not-lan", "not src net 192.168.2.0/24", (f) => !inNet(f.src, "192.168.2.0", 24)],
];
function restricted(oracle, keep, loops) {
  let packets = 0n, bytes = 0n;
  for (const f of oracle.flows) if (keep(f)) (packets += BigInt(f.packets)), (bytes += BigInt(f.bytes));
  return { packets: packets * BigInt(loops), bytes: bytes * BigInt(loops) };
}


/** The capture's IP lengths in order, by tshark. */
function ipLengths(file) {
  const r = spawnSync("tshark", ["-r", file, "-T", "fields", "-e", "ip.len"], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim().split("\n").map((l) => Number(l.split(",")[0]));
}

/** The 5-tuples of a recording, by tcpdump -nn -q (IPv4, TCP or UDP: this capture's). */
function tcpdumpTuples(file) {
  const r = spawnSync("tcpdump", ["-nn", "-q", "-r", file], { encoding: "utf8", maxBuffer: 1 << 28 });
  assert.equal(r.status, 0, r.stderr);
  const tuples = new Map();
  for (const line of r.stdout.trim().split("\n")) {
    const m = /IP (\d+\.\d+\.\d+\.\d+)\.(\d+) > (\d+\.\d+\.\d+\.\d+)\.(\d+): (tcp|UDP)/.exec(line);
    assert.ok(m, `a tcpdump line of an IPv4 TCP or UDP packet: ${line}`);
    const k = key(m[1], m[3], m[5] === "tcp" ? 6 : 17, Number(m[2]), Number(m[4]));
    tuples.set(k, (tuples.get(k) ?? 0) + 1);
  }
  return tuples;
}

test("live proof (namespace prf): 15 s of tcpreplay --pps: the 1-s rates within 5% (and 1%); counters read and zeroed every 100 ms add up to the oracle × loops; every verb; stat --json = summary", async (t) => {
  const { oracle } = oracleOf(NAME);
  assert.equal(oracle.non_ip, 0, "every frame of the capture is IP: the pps is the metered rate");
  const loops = Math.round((PPS * SECONDS) / oracle.packets);
  const lengths = ipLengths(FILE);
  assert.equal(lengths.length, oracle.packets);
  assert.equal(lengths.reduce((a, b) => a + b, 0), oracle.ip_bytes, "tshark's lengths add up to the oracle's bytes");
  // the fewest and most IP bytes any PPS consecutive packets of the loop carry
  let lo = Infinity, hi = 0;
  for (let start = 0; start < lengths.length; start++) {
    let sum = 0;
    for (let i = 0; i < PPS; i++) sum += lengths[(start + i) % lengths.length];
    lo = Math.min(lo, sum);
    hi = Math.max(hi, sum);
  }

  const dir = mkdtempSync(path.join(tmpdir(), "prf-live-"));
  chmodSync(dir, 0o755);
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const sock = path.join(dir, "fp.sock");
  const config = path.join(dir, "flowprobe.json");
  writeFileSync(config, JSON.stringify({ counters: Object.fromEntries(COUNTERS.map(([n, s]) => [n, s])) }));

  await withVeth("prf", async (ns) => {
    // ---- a --user run whose stat-file or control directory that user cannot write: exit 2 at start ----
    const closed = path.join(dir, "root-only");
    mkdirSync(closed, { mode: 0o755 });
    for (const [flag, file, re] of [
      ["--stat-file", "stat.txt", /--stat-file .*root-only\/stat\.txt: the directory .*root-only is not writable by nobody \(--user\): /],
      ["--control", "fp.sock", /--control .*root-only\/fp\.sock: the directory .*root-only is not writable by nobody \(--user\): /],
    ]) {
      const r = spawnSync("ip", ["netns", "exec", ns.name, process.execPath, cli, "-i", "fp0", "--user", "nobody", flag, path.join(closed, file)], { encoding: "utf8", timeout: 20000 });
      assert.equal(r.status, 2, `${flag}: ${r.stderr}`);
      assert.match(r.stderr, re);
      assert.ok(!existsSync(path.join(closed, file)), `${flag}: nothing made`);
    }
    // a directory the user owns below one it may not enter: refused too, naming the one above
    const fenced = mkdtempSync(path.join(tmpdir(), "prf-fenced-")); // (0700, root's)
    t.after(() => rmSync(fenced, { recursive: true, force: true }));
    mkdirSync(path.join(fenced, "sub"));
    spawnSync("chown", ["nobody:nogroup", path.join(fenced, "sub")]);
    const below = spawnSync("ip", ["netns", "exec", ns.name, process.execPath, cli, "-i", "fp0", "--user", "nobody", "--control", path.join(fenced, "sub", "fp.sock")], { encoding: "utf8", timeout: 20000 });
    assert.equal(below.status, 2, below.stderr);
    assert.match(below.stderr, /--control .*\/sub\/fp\.sock: the directory .*prf-fenced-\w+ above it may not be entered \(searched\) by nobody \(--user\): /);
    // the same through a symbolic link to it from a directory the user may enter
    const link = path.join(tmpdir(), `prf-link-${process.pid}`);
    rmSync(link, { force: true });
    symlinkSync(path.join(fenced, "sub"), link);
    t.after(() => rmSync(link, { force: true }));
    const linked = spawnSync("ip", ["netns", "exec", ns.name, process.execPath, cli, "-i", "fp0", "--user", "nobody", "--stat-file", path.join(link, "stat.txt")], { encoding: "utf8", timeout: 20000 });
    assert.equal(linked.status, 2, linked.stderr);
    assert.match(linked.stderr, /--stat-file .*prf-link-\d+\/stat\.txt: the directory .*prf-fenced-\w+ above it may not be entered \(searched\) by nobody \(--user\): /);

    // ---- --user with a control socket in a directory that user owns: the socket is given to the
    // user (mode 0600 still), so the service user's own `flowprobe stat` connects; removed at exit ----
    const owned = mkdtempSync(path.join(tmpdir(), "prf-user-"));
    t.after(() => rmSync(owned, { recursive: true, force: true }));
    chmodSync(owned, 0o755);
    spawnSync("chown", ["nobody:nogroup", owned]);
    const userSock = path.join(owned, "fp.sock");
    // and the stat file in a sticky directory (as /tmp), over one an earlier run of root's left:
    // flowprobe writes it first as root, then as the user, who may rename only over its own file
    const sticky = mkdtempSync(path.join(tmpdir(), "prf-sticky-"));
    t.after(() => rmSync(sticky, { recursive: true, force: true }));
    chmodSync(sticky, 0o1777);
    const userStat = path.join(sticky, "stat.txt");
    writeFileSync(userStat, "left by an earlier run\n");
    const asUser = await startLive(ns, ["-i", "fp0", "--user", "nobody", "--control", userSock, "--stat-file", userStat, "--stat-interval", "1"]);
    assert.equal(asUser.child.exitCode, null, asUser.stderr);
    const st = statSync(userSock);
    assert.equal(st.uid, 65534, "the socket belongs to the run user");
    assert.equal(st.mode & 0o777, 0o600);
    const mine = spawnSync("setpriv", ["--reuid=nobody", "--regid=nogroup", "--clear-groups", process.execPath, cli, "stat", "--control", userSock], { encoding: "utf8" });
    assert.equal(mine.status, 0, `the run user's flowprobe stat: ${mine.stderr}`);
    assert.match(mine.stdout, /^flowprobe .*uptime/);
    const firstWrite = statSync(userStat).mtimeMs;
    await until(() => statSync(userStat).mtimeMs > firstWrite, 5000, `the stat file written again after the drop: ${asUser.stderr}`);
    assert.equal(statSync(userStat).uid, 65534, "the stat file belongs to the run user");
    assert.doesNotMatch(asUser.stderr, /--stat-file/, "no failed write");
    const other = spawnSync("setpriv", ["--reuid=daemon", "--regid=daemon", "--clear-groups", process.execPath, cli, "stat", "--control", userSock], { encoding: "utf8" });
    assert.equal(other.status, 1, `another user is refused: ${other.stdout}`);
    await asUser.stop();
    assert.equal(asUser.code, 0, asUser.stderr);
    assert.ok(!existsSync(userSock), "removed at exit, by the run user");

    // ---- tcpdump on the capture interface, then flowprobe ----
    const rec = path.join(dir, "fp0.pcap");
    const dump = ns.spawn("tcpdump", ["-i", "fp0", "-nn", "-U", "-w", rec], { stdio: ["ignore", "ignore", "pipe"] });
    let dumpErr = "";
    dump.stderr.on("data", (d) => (dumpErr += d));
    t.after(() => dump.kill("SIGKILL"));
    await until(() => /listening on fp0/.test(dumpErr), 10000, `tcpdump listening: ${dumpErr}`);
    // a stale socket file at the path, left by a process that was killed while it listened: reused
    const stale = spawn(process.execPath, ["-e", `require("node:net").createServer().listen(${JSON.stringify(sock)})`], { stdio: "ignore" });
    await until(() => existsSync(sock), 5000, "the stale socket made");
    stale.kill("SIGKILL");
    await new Promise((r) => (stale.exitCode !== null || stale.signalCode !== null ? r() : stale.on("exit", r)));
    assert.ok(statSync(sock).isSocket(), "a socket file nobody answers at");
    const run = await startLive(ns, ["-i", "fp0", "--promisc", "--config", config, "--control", sock,
      "--inactive-timeout", "300", "--tcp-end-timeout", "300", "--flood-pps", "250"]);
    t.after(() => run.child.kill("SIGKILL"));
    assert.equal(run.child.exitCode, null, `started over the stale socket: ${run.stderr}`);
    assert.equal(statSync(sock).mode & 0o777, 0o600, "the socket is its owner's alone");
    const counters = await connect(sock);
    const stats = await connect(sock);
    t.after(() => (counters.close(), stats.close()));
    assert.deepEqual((await counters.ask({ cmd: "counters", reset: true })).counters.map((c) => c.packets), COUNTERS.map(() => 0), "nothing counted before the replay");

    // ---- the replay, and the two loops beside it ----
    const replay = ns.spawn("tcpreplay", ["-q", "-i", "fp1", "--pps", String(PPS), "--loop", String(loops), FILE], { stdio: "ignore" });
    const started = Date.now();
    let replayed = false;
    const replayCode = new Promise((resolve) => replay.on("exit", (code) => ((replayed = true), resolve(code))));
    const reads = [];
    const readLoop = (async () => {
      while (!replayed) {
        const at = Date.now();
        reads.push((await counters.ask({ cmd: "counters", reset: true })).counters);
        await sleep(Math.max(0, 100 - (Date.now() - at)));
      }
    })();
    const samples = [];
    const statLoop = (async () => {
      for (let next = started + 1000; !replayed; next += 1000) {
        await sleep(Math.max(0, next - Date.now()));
        const a = await stats.ask({ cmd: "stat", json: true });
        assert.equal(a.ok, true, JSON.stringify(a));
        samples.push({ at: Date.now() - started, packets: a.stat.rates.packets[0], bits: a.stat.rates.bits[0], metered: a.stat.meter.metered });
      }
    })();
    assert.equal(await replayCode, 0, "tcpreplay");
    const ended = Date.now() - started;
    await Promise.all([readLoop, statLoop]);
    // every packet sent read (the ring's last block, its 50-ms timeout, and a batch walk), bounded
    const sent = BigInt(oracle.packets * loops);
    let read = -1n;
    for (const end = Date.now() + 5000; read !== sent && Date.now() < end; await sleep(20)) read = BigInt((await stats.ask({ cmd: "stat", json: true })).stat.meter.read);
    assert.equal(read, sent, `stat --json's meter.read reached the packets sent (${oracle.packets} × ${loops}) within 5 s`);
    const last = (await counters.ask({ cmd: "counters" })).counters;

    // ---- the rates: in the steady middle, each 1-s rate within 5% ----
    assert.equal(samples[0].metered > 0, true, "the first sample saw packets");
    const middle = samples.filter((s) => s.at >= 3000 && s.at <= ended - 2000);
    assert.ok(middle.length >= SECONDS - 6, `${middle.length} samples in the steady middle (of ${samples.length}; the replay took ${ended} ms)`);
    const pktRates = middle.map((s) => s.packets), bitRates = middle.map((s) => s.bits);
    const spread = (xs, want) => `${Math.min(...xs).toFixed(1)}..${Math.max(...xs).toFixed(1)} (want ${want})`;
    t.diagnostic(`each second (ms since the replay began: 1-s packets/s, bits/s): ${samples.map((s) => `${s.at}: ${s.packets.toFixed(1)}, ${s.bits.toFixed(0)}`).join("; ")}`);
    t.diagnostic(`1-s packet rates ${spread(pktRates, PPS)}; bit rates ${spread(bitRates, `${lo * 8}..${hi * 8}`)}; replay ${ended} ms, ${loops} loops`);
    for (const s of middle) {
      assert.ok(Math.abs(s.packets - PPS) <= 0.05 * PPS, `1-s packet rate ${s.packets} at ${s.at} ms within 5% of ${PPS}: ${spread(pktRates, PPS)}`);
      assert.ok(s.bits >= 0.95 * lo * 8 && s.bits <= 1.05 * hi * 8, `1-s bit rate ${s.bits} at ${s.at} ms within 5% of ${lo * 8}..${hi * 8} (${PPS} of the capture's packets)`);
    }
    // and within 1%: the rates by the meter clock (the packets' kernel time), fed by the ticks
    // alone, read 1998.8..2001.6 under contention (1999.7..2000.3 on a quiet host); by the
    // reading's own wall time (a ring block's lag in the counters, not in the clock), fed by
    // every reading, they read 1932.9..2016.1 (1915.3..2004.0 here) and fail it. (The registry
    // takes no other clock than the meter's any more: the wall time cannot come back there)
    for (const s of middle) {
      assert.ok(Math.abs(s.packets - PPS) <= 0.01 * PPS, `1-s packet rate ${s.packets} at ${s.at} ms within 1% of ${PPS}: ${spread(pktRates, PPS)}`);
      assert.ok(s.bits >= 0.99 * lo * 8 && s.bits <= 1.01 * hi * 8, `1-s bit rate ${s.bits} at ${s.at} ms within 1% of ${lo * 8}..${hi * 8}: ${spread(bitRates, `${lo * 8}..${hi * 8}`)}`);
    }

    // ---- the counters: every reading plus the last = the oracle × loops ----
    const midway = reads.filter((r) => r[0].packets > 0).length;
    assert.ok(midway >= 100, `read and zeroed while packets arrived (${midway} of ${reads.length} readings had packets)`);
    for (const [i, [n, select, keep]] of COUNTERS.entries()) {
      let packets = 0n, bytes = 0n;
      for (const r of [...reads, last]) {
        assert.equal(r[i].name, n);
        packets += BigInt(r[i].packets);
        bytes += BigInt(r[i].bytes);
      }
      assert.deepEqual({ packets, bytes }, restricted(oracle, keep, loops), `counter ${n} (${JSON.stringify(select)}): ${reads.length} reads and the last`);
    }

    // ---- every verb against the running capture ----
    const all = restricted(oracle, () => true, loops);
    const statistics = ctl("ctl", "statistics", "--control", sock);
    assert.equal(statistics.status, 0, statistics.stderr);
    assert.match(statistics.stdout, new RegExp(`^Packets: read ${all.packets}, metered ${all.packets} \\(${all.bytes} bytes`, "m"));
    // dump-flows --target: the 5-tuples tcpdump recorded on fp0, each an active flow
    dump.kill("SIGINT");
    await new Promise((r) => (dump.exitCode !== null ? r() : dump.on("exit", r)));
    const recorded = tcpdumpTuples(rec);
    assert.equal([...recorded.values()].reduce((a, b) => a + b, 0), oracle.packets * loops, "tcpdump saw every packet replayed");
    const dumped = ctl("ctl", "dump-flows", "--target", "default", "--json", "--control", sock);
    assert.equal(dumped.status, 0, dumped.stderr);
    const answer = JSON.parse(dumped.stdout);
    assert.equal(answer.target, "default");
    const flows = parseFlows(answer.text);
    assert.equal(answer.flows, flows.length);
    assert.deepEqual(flows.map((f) => key(f.src_addr, f.dst_addr, Number(f.proto), Number(f.src_port), Number(f.dst_port))).sort(), [...recorded.keys()].sort(),
      "dump-flows lists one active flow for each 5-tuple tcpdump saw");
    const noTarget = ctl("ctl", "dump-flows", "--target", "wan", "--control", sock);
    assert.equal(noTarget.status, 1);
    assert.match(noTarget.stderr, /no target "wan" \(the targets: default\)/);
    // timeouts
    const timeouts = JSON.parse(ctl("ctl", "timeouts", "--json", "--control", sock).stdout);
    assert.deepEqual(timeouts.targets.map((x) => [x.name, x.inactive_timeout, x.active_timeout, x.tcp_end_timeout]), [["default", 300, 1800, 300]]);
    // counters NAME, then --reset NAME (nfacct's text): no packet since the last read (it did not zero), so its figures
    const lastOf = (n) => last.find((c) => c.name === n);
    const web = JSON.parse(ctl("counters", "--json", "web", "dns", "--control", sock).stdout);
    assert.deepEqual(web.counters.map((c) => [c.name, c.packets, c.bytes]), ["web", "dns"].map((n) => [n, lastOf(n).packets, lastOf(n).bytes]));
    const reset = ctl("counters", "--reset", "teredo", "--control", sock);
    assert.equal(reset.status, 0, reset.stderr);
    const digits = (v) => String(v).padStart(20, "0");
    assert.equal(reset.stdout, `{ pkts = ${digits(lastOf("teredo").packets)}, bytes = ${digits(lastOf("teredo").bytes)} } = teredo;\n`);
    assert.deepEqual(JSON.parse(ctl("counters", "--json", "teredo", "web", "--control", sock).stdout).counters.map((c) => [c.name, c.packets]), [["teredo", 0], ["web", lastOf("web").packets]], "the reset zeroed teredo alone");
    const unknown = ctl("counters", "nope", "--control", sock);
    assert.equal(unknown.status, 1);
    assert.match(unknown.stderr, /no counter "nope" \(the counters: all, web, dns, teredo, lan-bcast, not-lan\)/);
    // alerts: 83.170.1.38's flows carry 13 and 12 of the 78 packets: 333 and 308 pps over --flood-pps 250; the next, 7: 179
    const alerts = JSON.parse(ctl("ctl", "alerts", "--json", "--control", sock).stdout).alerts;
    const flooded = alerts.map((a) => `${a.kind} ${a.target} ${a.source}:${a.flow.srcPort} > ${a.flow.dst}:${a.flow.dstPort} ${a.flow.proto}`).sort();
    assert.deepEqual(flooded, ["pps default 192.168.2.16:3797 > 83.170.1.38:32900 17", "pps default 83.170.1.38:32900 > 192.168.2.16:3797 17"], `the alerts name the two flows over 250 pps: ${JSON.stringify(alerts)}`);
    for (const a of alerts) assert.ok(a.rate > 250 && a.rate < 350, `an alert's rate ${a.rate}: 12 or 13 of every 78 packets at ${PPS} pps`);
    // reload: a counter added to the config file
    writeFileSync(config, JSON.stringify({ counters: Object.fromEntries([...COUNTERS.map(([n, s]) => [n, s]), ["late", "udp"]]) }));
    const reload = ctl("ctl", "reload", "--control", sock);
    assert.equal(reload.status, 0, reload.stderr);
    await until(() => /added counter late/.test(run.stderr), 10000, `the reload: ${run.stderr}`);
    assert.deepEqual(JSON.parse(ctl("counters", "--json", "--control", sock).stdout).counters.map((c) => c.name), [...COUNTERS.map(([n]) => n), "late"]);
    // send-template, delete-all: softflowctl's spellings
    assert.match(ctl("ctl", "send-template", "--control", sock).stdout, /no IPFIX or NetFlow v9 target/);
    const activeBefore = JSON.parse(ctl("stat", "--json", "--control", sock).stdout).stat.meter.active;
    assert.equal(activeBefore, recorded.size);
    const deleted = JSON.parse(ctl("ctl", "delete-all", "--json", "--control", sock).stdout);
    assert.equal(deleted.expired, activeBefore);
    let final;
    await until(() => {
      final = JSON.parse(ctl("stat", "--json", "--control", sock).stdout).stat;
      return final.meter.active === 0 && final.meter.exportedTotal === final.meter.created;
    }, 5000, "every flow exported");
    // exit (softflowctl's): as SIGTERM; the summary then says what stat --json said
    assert.match(ctl("ctl", "exit", "--control", sock).stdout, /shutting down/);
    counters.close();
    stats.close();
    await until(() => run.child.exitCode !== null, 20000, "exit after shutdown");
    await run.closed;
    assert.equal(run.child.exitCode, 0, run.stderr);
    assert.ok(!existsSync(sock), "the socket removed at exit");
    const m = final.meter;
    assert.equal(BigInt(m.read), all.packets);
    assert.equal(BigInt(m.metered), all.packets);
    assert.equal(BigInt(m.bytes), all.bytes);
    const summary = run.stderr;
    const num = (re) => {
      const x = re.exec(summary);
      assert.ok(x, `${re} in ${summary}`);
      return BigInt(x[1].replace(/,/g, ""));
    };
    assert.equal(num(/read ([\d,]+) packets/), BigInt(m.read));
    assert.equal(num(/metered ([\d,]+) packets \(/), BigInt(m.metered));
    assert.equal(num(/metered [\d,]+ packets \(([\d,]+) IP bytes/), BigInt(m.bytes));
    assert.equal(num(/non-IP ([\d,]+)/), BigInt(m.nonIp));
    assert.equal(num(/skipped ([\d,]+)/), BigInt(m.skippedTotal));
    assert.equal(num(/flows exported ([\d,]+)/), BigInt(m.exportedTotal));
    assert.equal(parseFlows(run.stdout).reduce((n, f) => n + f.packets, 0n), all.packets, "the flows printed carry every packet");
  });
});
