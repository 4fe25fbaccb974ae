// Named counters (nfacct; issue 13): each counter's packets and bytes after a file run equal
// the oracle (tshark's 5-tuples, /work/shared/pcaps copied into test/fixtures) restricted to
// its selector — the restriction written here over the oracle's flows, apart from the
// selector compiler — whatever the target selects; read-and-zero every 100 ms while a paced
// stream is metered: the reads add up to the oracle exactly (no packet lost between a read
// and its zero, none counted twice); the nfacct text and JSON; a reload's rules (unchanged
// counters go on, a changed selector starts at zero); bad names and selectors: exit 2.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { lib, defaults } from "./helpers/meter.mjs";
import { flowprobe, fixtures, oracleCaptures } from "./helpers/run.mjs";
import { addrValue } from "./helpers/aggregate.mjs";

const L = lib.layout;

// ---- the oracle restricted, written over its 5-tuples (shared/pcaps/README.md) ----
const ported = (f) => f.proto === 6 || f.proto === 17 || f.proto === 132; // pcap-filter's `port`: TCP, UDP, SCTP
const v6 = (f) => f.src.includes(":");
const port = (f, ...ps) => ported(f) && (ps.includes(f.sport) || ps.includes(f.dport));
const in10 = (a) => !a.includes(":") && (addrValue(a)[1] >> 24n) === 10n;
/** [name, selector, the same choice over an oracle flow]. */
const COUNTERS = [
  ["all", "", () => true],
  ["web", "tcp port 80 or tcp port 443", (f) => f.proto === 6 && port(f, 80, 443)],
  ["dns", "port 53", (f) => port(f, 53)],
  ["v6", "ip6", v6],
  ["not-tcp", "not tcp", (f) => f.proto !== 6],
  ["ten", "net 10.0.0.0/8", (f) => in10(f.src) || in10(f.dst)],
  ["icmp_any", "icmp or icmp6", (f) => (f.proto === 1 && !v6(f)) || (f.proto === 58 && v6(f))],
  ["high", "src portrange 1024-65535 and udp", (f) => f.proto === 17 && f.sport >= 1024],
];

/** The oracle's packets and bytes of the flows `keep` chooses. */
function restricted(oracle, keep) {
  let packets = 0n, bytes = 0n;
  for (const f of oracle.flows) if (keep(f)) (packets += BigInt(f.packets)), (bytes += BigInt(f.bytes));
  return { packets, bytes };
}

/** Counter `name`'s packets and bytes over several readings (each a readCounters answer). */
function summed(readings, name) {
  let packets = 0n, bytes = 0n;
  for (const r of readings) {
    const c = r.find((x) => x.name === name);
    packets += c.packets;
    bytes += c.bytes;
  }
  return { packets, bytes };
}

/** A meter whose one JSON target selects `select` (its lines dropped), with the counters. */
function meterWith(counters, select = undefined) {
  const meter = new lib.Meter([{ ...defaults, maxflows: 100000, hashsize: 262144, select }], 1n, () => undefined);
  meter.setCounters(counters);
  return meter;
}

const asMap = (readings) => new Map(readings.map((c) => [c.name, { packets: c.packets, bytes: c.bytes }]));

test("counters: after a file run, each counter's packets and bytes equal the oracle's for its selector, on every capture, whatever the target selects", async () => {
  const captures = oracleCaptures();
  assert.ok(captures.length >= 20, "the oracle captures are there");
  let nonzero = 0;
  for (const { file, name, oracle } of captures) {
    // the target selects ICMP only: the counters count what it does not choose too
    const meter = meterWith(COUNTERS.map(([n, select]) => ({ name: n, select })), "icmp");
    await lib.meterFile(meter, file);
    const got = asMap(meter.readCounters());
    for (const [n, select, keep] of COUNTERS) {
      const want = restricted(oracle, keep);
      assert.deepEqual(got.get(n), want, `${name}: counter ${n} (${JSON.stringify(select)})`);
      if (want.packets > 0n && n !== "all") nonzero++;
    }
    assert.deepEqual(got.get("all"), { packets: BigInt(oracle.ip_packets), bytes: BigInt(oracle.ip_bytes) }, `${name}: every IP packet`);
    // the target metered only ICMP; the counters are no part of its figures
    assert.equal(meter.snapshot().targets[0].packets, restricted(oracle, (f) => f.proto === 1).packets, `${name}: the target chose ICMP only`);
  }
  assert.ok(nonzero > 40, `the selectors choose something in many captures (${nonzero})`);
});

test("counters: a command-line run prints them as nfacct does at the end, from --counter or the config file's \"counters\"", () => {
  const name = "zeek--tunnels--Teredo.pcap";
  const file = path.join(fixtures, "pcaps", name);
  const oracle = JSON.parse(readFileSync(`${file}.oracle.json`, "utf8"));
  const line = (n, keep) => {
    const { packets, bytes } = restricted(oracle, keep);
    return `{ pkts = ${String(packets).padStart(20, "0")}, bytes = ${String(bytes).padStart(20, "0")} } = ${n};`;
  };
  const want = ["dns", "web", "all"].map((n) => line(n, COUNTERS.find(([c]) => c === n)[2])).join("\n");
  assert.match(want, /pkts = 0+[1-9]/, "the capture has DNS packets");
  const r = flowprobe(["-r", file, "--counter", "dns=port 53,web=tcp port 80 or tcp port 443,all="]);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(r.stderr.includes(`counters (nfacct):\n${want}\n`), r.stderr);
  const dir = mkdtempSync(path.join(tmpdir(), "nfa-"));
  try {
    const cfg = path.join(dir, "c.json");
    writeFileSync(cfg, JSON.stringify({ counters: { dns: "port 53", web: "tcp port 80 or tcp port 443", all: "" } }));
    const f = flowprobe(["--config", cfg, "-r", file]);
    assert.equal(f.status, 0, f.stderr);
    assert.ok(f.stderr.includes(`counters (nfacct):\n${want}\n`), f.stderr);
    // the file's "counters" make what --counter makes
    assert.deepEqual(lib.parseOptions(["--config", cfg]).counters, lib.parseOptions(["--counter", "dns=port 53,web=tcp port 80 or tcp port 443,all="]).counters);
    // the command line's list replaces the file's
    const o = flowprobe(["--config", cfg, "-r", file, "--counter", "v6=ip6"]);
    assert.equal(o.status, 0, o.stderr);
    assert.ok(o.stderr.includes(`counters (nfacct):\n${line("v6", v6)}\n`), o.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * Meters `file` written into a FIFO a piece at a time (by a child, `pieces` of it every
 * `everyMs`) while a timer reads the counters every 100 ms with `reset` for `resetNames`;
 * returns each reading, and the last one after the end.
 */
async function pacedReads(file, counters, resetNames, { pieces = 30, everyMs = 60 } = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), "nfa-"));
  const fifo = path.join(dir, "stream");
  assert.equal(spawnSync("mkfifo", [fifo]).status, 0, "mkfifo");
  const writer = spawn(process.execPath, ["-e", `
    const fs = require("node:fs");
    const data = fs.readFileSync(${JSON.stringify(file)});
    const fd = fs.openSync(${JSON.stringify(fifo)}, "w");
    const step = Math.ceil(data.length / ${pieces});
    let at = 0;
    const next = () => {
      if (at >= data.length) return fs.closeSync(fd);
      fs.writeSync(fd, data.subarray(at, at + step));
      at += step;
      setTimeout(next, ${everyMs});
    };
    next();`], { stdio: "inherit" });
  const meter = meterWith(counters, "tcp");
  const reads = [];
  const timer = setInterval(() => reads.push(meter.readCounters(resetNames, true)), 100);
  try {
    await lib.meterFile(meter, fifo);
  } finally {
    clearInterval(timer);
    rmSync(dir, { recursive: true, force: true });
  }
  await new Promise((resolve) => (writer.exitCode !== null ? resolve() : writer.on("exit", resolve)));
  return { reads, last: meter.readCounters(undefined, false), meter };
}

test("counters: read and zeroed every 100 ms while a paced stream is metered, the reads add up to the oracle exactly", async () => {
  const name = "derived--be-epb-spb-opb.pcapng";
  const file = path.join(fixtures, "pcaps", name);
  const oracle = JSON.parse(readFileSync(`${file}.oracle.json`, "utf8"));
  const chosen = COUNTERS.filter(([n]) => ["all", "web", "not-tcp", "ten"].includes(n));
  const { reads, last } = await pacedReads(file, chosen.map(([n, select]) => ({ name: n, select })), undefined);
  const midway = reads.filter((r) => r.find((c) => c.name === "all").packets > 0n).length;
  assert.ok(midway >= 5, `the counters were read and zeroed while packets arrived (${midway} of ${reads.length} readings had packets)`);
  for (const [n, select, keep] of chosen) {
    assert.deepEqual(summed([...reads, last], n), restricted(oracle, keep), `counter ${n} (${JSON.stringify(select)}): the reads and the last one`);
  }
});

test("counters: a reset of some names zeroes those only; the others go on counting", async () => {
  const name = "derived--be-epb-spb-opb.pcapng";
  const file = path.join(fixtures, "pcaps", name);
  const oracle = JSON.parse(readFileSync(`${file}.oracle.json`, "utf8"));
  const { reads, last } = await pacedReads(file, [{ name: "all", select: "" }, { name: "web", select: "tcp port 80 or tcp port 443" }], ["web"], { pieces: 12 });
  assert.ok(reads.length >= 5, `read ${reads.length} times`);
  // each reading names the counter asked for only
  for (const r of reads) assert.deepEqual(r.map((c) => c.name), ["web"]);
  const web = [...reads.map((r) => r[0]), last.find((c) => c.name === "web")];
  assert.deepEqual({ packets: web.reduce((n, c) => n + c.packets, 0n), bytes: web.reduce((n, c) => n + c.bytes, 0n) }, restricted(oracle, COUNTERS[1][2]));
  // "all" was never reset: the whole capture
  assert.deepEqual(asMap(last).get("all"), { packets: BigInt(oracle.ip_packets), bytes: BigInt(oracle.ip_bytes) });
});

test("counters: a reload keeps an unchanged counter's count, starts a changed or new one at zero, drops a removed one", async () => {
  const file = path.join(fixtures, "pcaps", "zeek--tunnels--Teredo.pcap");
  const oracle = JSON.parse(readFileSync(`${file}.oracle.json`, "utf8"));
  const sel = (n) => COUNTERS.find(([c]) => c === n);
  const meter = meterWith([{ name: "a", select: sel("dns")[1] }, { name: "b", select: sel("v6")[1] }, { name: "gone", select: "" }]);
  await lib.meterFile(meter, file);
  const dns = restricted(oracle, sel("dns")[2]);
  const all = restricted(oracle, () => true);
  assert.deepEqual(asMap(meter.readCounters()).get("a"), dns);
  // a: unchanged; b: a new selector; c: new
  meter.setCounters([{ name: "c", select: "" }, { name: "a", select: sel("dns")[1] }, { name: "b", select: sel("web")[1] }]);
  assert.deepEqual(meter.counterNames(), ["c", "a", "b"]);
  assert.deepEqual(meter.readCounters(), [
    { name: "c", select: "", packets: 0n, bytes: 0n },
    { name: "a", select: "port 53", ...dns },
    { name: "b", select: sel("web")[1], packets: 0n, bytes: 0n },
  ]);
  await lib.meterFile(meter, file);
  const got = asMap(meter.readCounters());
  assert.deepEqual(got.get("a"), { packets: 2n * dns.packets, bytes: 2n * dns.bytes });
  assert.deepEqual(got.get("b"), restricted(oracle, sel("web")[2]));
  assert.deepEqual(got.get("c"), all);
  assert.throws(() => meter.readCounters(["gone"]), /no counter "gone" \(the counters: c, a, b\)/);
  // a bad selector at a reload: an error, and the counters in force stay
  assert.throws(() => meter.setCounters([{ name: "a", select: "port 99999" }]), /port 99999/);
  assert.deepEqual(meter.counterNames(), ["c", "a", "b"]);
  // none any more: the core's table is given back
  meter.setCounters([]);
  assert.deepEqual(meter.readCounters(), []);
});

test("counters: a meter without counters counts none, and an unknown name is an error naming what is there", () => {
  const meter = new lib.Meter([{ ...defaults }], 1n, () => undefined);
  assert.deepEqual(meter.readCounters(), []);
  assert.throws(() => meter.readCounters(["http"]), /no counter "http" \(no counters are configured: --counter NAME=SELECTOR, or "counters" in the config file\)/);
});

test("counters: the nfacct text (20 digits each) and JSON with exact 64-bit integers; an unknown name", () => {
  const max = (1n << 64n) - 1n;
  const readings = [{ name: "http", select: "tcp port 80", packets: 125n, bytes: 23162n }, { name: "big", select: "", packets: max, bytes: max - 1n }];
  assert.equal(lib.countersText(readings),
    "{ pkts = 00000000000000000125, bytes = 00000000000000023162 } = http;\n" +
    "{ pkts = 18446744073709551615, bytes = 18446744073709551614 } = big;\n");
  // the control socket's answer is written by jsonOf: the counts exact past 2^53
  assert.equal(lib.jsonOf({ counters: readings }),
    '{"counters":[{"name":"http","select":"tcp port 80","packets":125,"bytes":23162},{"name":"big","select":"","packets":18446744073709551615,"bytes":18446744073709551614}]}');
  // through a meter: read and zeroed in one call
  const meter = new lib.Meter([{ ...defaults }], 1n, () => undefined);
  meter.setCounters([{ name: "http", select: "tcp port 80" }]);
  assert.equal(lib.countersText(meter.readCounters(undefined, true)), "{ pkts = 00000000000000000000, bytes = 00000000000000000000 } = http;\n");
  assert.throws(() => meter.readCounters(["dns"], false), /no counter "dns" \(the counters: http\)/);
});

test("counters: bad names, selectors and shapes are usage errors (exit 2) saying what is wrong and what is right", () => {
  const file = path.join(fixtures, "pcaps", "zeek--tunnels--Teredo.pcap");
  const cases = [
    [["--counter", "http"], /--counter "http": expected NAME=SELECTOR \(http=tcp port 80 or tcp port 443; NAME= counts every packet\)/],
    [["--counter", "ht tp=tcp"], /--counter: "ht tp": a counter's name is 1 to 32 letters, digits, - or _/],
    [["--counter", "=tcp"], /--counter: an empty name: a counter's name is 1 to 32 letters, digits, - or _/],
    [["--counter", `${"x".repeat(33)}=tcp`], /a counter's name is 1 to 32 letters/],
    [["--counter", "a=tcp,a=udp"], /--counter: counter a is given twice: give each name once/],
    [["--counter", "http=tcp prt 80"], /--counter: counter http: "tcp prt 80": expected and, or or the end, found "prt" at column 5/],
    [["--counter", "n=net 10.0.0.0/33"], /counter n: "net 10.0.0.0\/33": prefix length 33 is over 32 at column 5/],
    [["--counter", Array.from({ length: 65 }, (_, i) => `c${i}=`).join(",")], /--counter: 65 counters, over the 64 flowprobe keeps/],
  ];
  for (const [args, re] of cases) {
    const r = flowprobe(["-r", file, ...args]);
    assert.equal(r.status, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, re);
  }
  const dir = mkdtempSync(path.join(tmpdir(), "nfa-"));
  try {
    const cfg = path.join(dir, "c.json");
    const fileCases = [
      [{ counters: ["http"] }, /c\.json: counters: expected an object of names and selectors \(\{ "http": "tcp port 80 or tcp port 443", "dns": "port 53" \}\), found a list/],
      [{ counters: { http: 80 } }, /c\.json: counters\.http: expected a selector \(a string, "" for every packet\), found the number 80/],
      [{ counters: {} }, /c\.json: counters: an empty object: give at least one counter, or leave the key out/],
      [{ counters: { "h/t": "tcp" } }, /c\.json: counters: "h\/t": a counter's name is 1 to 32 letters, digits, - or _/],
      [{ counters: { dns: "port fifty" } }, /c\.json: counters: counter dns: "port fifty": /],
      [{ counter: "dns=port 53" }, /c\.json: counter: the file gives its counters as "counters": \{ "NAME": "SELECTOR", … \}/],
      [{ countrs: {} }, /unknown key \(did you mean counters\?\)/],
    ];
    for (const [json, re] of fileCases) {
      writeFileSync(cfg, JSON.stringify(json));
      const r = flowprobe(["--config", cfg, "-r", file]);
      assert.equal(r.status, 2, `${JSON.stringify(json)}: ${r.stderr}`);
      assert.match(r.stderr, re, JSON.stringify(json));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("counters: the core refuses a table past COUNTER_MAX or with a program that is not valid, and keeps the one in force", () => {
  const meter = new lib.Meter([{ ...defaults }], 1n, () => undefined);
  const x = meter.core.x;
  assert.equal(x.allocCounters(0), 0);
  assert.equal(x.allocCounters(L.COUNTER_MAX + 1), 0);
  meter.setCounters([{ name: "a", select: "tcp" }]);
  const t = x.allocCounters(1);
  assert.notEqual(t, 0);
  const bad = x.allocSelector(L.SEL_INSNS + L.SEL_INSN_SIZE);
  meter.core.dv.setUint32(bad + L.SEL_COUNT, 1, true);
  meter.core.dv.setUint8(bad + L.SEL_INSNS + L.SI_OP, 200); // no such test
  meter.core.dv.setUint32(t + L.NC_ENTRIES + L.NC_PROGRAM, bad, true);
  meter.core.dv.setUint32(t + L.NC_ENTRIES + L.NC_PROGRAM_BYTES, L.SEL_INSNS + L.SEL_INSN_SIZE, true);
  assert.equal(x.useCounters(t), 2);
  assert.deepEqual(meter.readCounters().map((c) => c.name), ["a"]);
});

test("counters: SIGHUP while standard input streams: an unchanged counter goes on, a changed one starts at zero, a new one counts from the reload, a removed one is gone", async () => {
  const { pcapHeader, records } = await import("./helpers/stream.mjs");
  const P = await import("./helpers/packets.mjs");
  const { cli } = await import("./helpers/run.mjs");
  const phase = (t, n, dport) => records(Array.from({ length: n }, (_, i) => ({
    ts: [t, i * 1000], data: P.eth(P.ETH_IPV4, P.ipv4(P.udp(10000 + i, dport), { proto: 17, src: "192.0.2.10", dst: "192.0.2.20" })),
  })));
  const dir = mkdtempSync(path.join(tmpdir(), "nfa-"));
  const config = path.join(dir, "flowprobe.json");
  writeFileSync(config, JSON.stringify({ counters: { keep: "udp", change: "dst port 1001", gone: "" } }));
  const child = spawn(process.execPath, [cli, "-r", "-", "--seed", "1", "--config", config], { stdio: ["pipe", "ignore", "pipe"] });
  let err = "";
  child.stderr.on("data", (d) => (err += d));
  const exit = new Promise((res) => child.on("close", res));
  const until = async (cond, what) => {
    for (const end = Date.now() + 15000; !cond();) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${err}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  try {
    child.stdin.write(Buffer.concat([pcapHeader(), phase(1_700_000_000, 50, 1001)]));
    // (a signal before Node has flowprobe's handlers would end it: wait for SIGUSR1's, bit 9 of SigCgt)
    await until(() => {
      const m = /SigCgt:\s*([0-9a-f]+)/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"));
      return m !== null && (BigInt(`0x${m[1]}`) & (1n << 9n)) !== 0n;
    }, "flowprobe's signal handlers");
    // (SIGUSR1's statistics: the run has metered the first phase)
    await until(() => {
      child.kill("SIGUSR1");
      return /SIGUSR1: the statistics so far\n.*read 50 packets/.test(err);
    }, "the first phase metered");
    writeFileSync(config, JSON.stringify({ counters: { keep: "udp", change: "dst port 1002", fresh: "udp" } }));
    child.kill("SIGHUP");
    await until(() => /SIGHUP: read .* again: /.test(err), "the reload");
    assert.match(err, /SIGHUP: read \S+flowprobe\.json again: counter change changed \(from zero\), added counter fresh, removed counter gone/);
    child.stdin.write(phase(1_700_000_001, 30, 1002));
    child.stdin.end();
    assert.equal(await exit, 0, err);
    // 28 IP bytes a packet (IPv4 and UDP headers, no payload)
    const line = (n, p) => `{ pkts = ${String(p).padStart(20, "0")}, bytes = ${String(p * 28).padStart(20, "0")} } = ${n};`;
    assert.ok(err.includes(`counters (nfacct):\n${line("keep", 80)}\n${line("change", 30)}\n${line("fresh", 30)}\n`), err);
  } finally {
    child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
});

test("counters: live (namespace nfa, tcpreplay): read and zeroed every 100 ms during a replay, the reads add up to the oracle exactly", async () => {
  const { makeNs, until } = await import("./helpers/netns.mjs");
  const { cli } = await import("./helpers/run.mjs");
  const name = "zeek--http--bro.org.pcap";
  const file = path.join(fixtures, "pcaps", name);
  const oracle = JSON.parse(readFileSync(`${file}.oracle.json`, "utf8"));
  const ns = makeNs("nfa");
  const dir = mkdtempSync(path.join(tmpdir(), "nfa-"));
  const stop = new AbortController();
  try {
    ns.veth("fp0", "fp1");
    const helper = path.join(dir, "shim");
    writeFileSync(helper, `#!/bin/sh\nexec ip netns exec ${ns.name} ${path.join(path.dirname(cli), "flowprobe-capture")} "$@"\n`, { mode: 0o755 });
    const chosen = COUNTERS.filter(([n]) => ["all", "web", "ten", "not-tcp"].includes(n));
    const meter = meterWith(chosen.map(([n, select]) => ({ name: n, select })), "icmp");
    let log = "";
    const done = lib.meterLive(meter, { interfaces: ["fp0"], promisc: true, snaplen: 128, direction: "in", helper },
      { stopSignal: stop.signal, onLog: (l) => (log += `${l}\n`) });
    await until(() => /capturing on fp0/.test(log), 10000, `capture: ${log}`);
    const reads = [];
    const timer = setInterval(() => reads.push(meter.readCounters(undefined, true)), 100);
    // (spawned, not run to its end here: the reads go on while it replays)
    const replay = ns.spawn("tcpreplay", ["-q", "-i", "fp1", "--pps", "500", file], { stdio: "ignore" });
    const code = await new Promise((resolve) => replay.on("exit", resolve));
    assert.equal(code, 0, "tcpreplay");
    await new Promise((r) => setTimeout(r, 500)); // the ring's last block (block timeout 50 ms)
    clearInterval(timer);
    stop.abort();
    await done;
    const last = meter.readCounters(undefined, true);
    const midway = reads.filter((r) => r[0].packets > 0n).length;
    assert.ok(midway >= 5, `read and zeroed while packets arrived (${midway} of ${reads.length} readings had packets)`);
    for (const [n, select, keep] of chosen) {
      assert.deepEqual(summed([...reads, last], n), restricted(oracle, keep), `counter ${n} (${JSON.stringify(select)})`);
    }
  } finally {
    stop.abort();
    ns.del();
    rmSync(dir, { recursive: true, force: true });
  }
});
