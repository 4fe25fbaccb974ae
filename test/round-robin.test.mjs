// Round-robin destinations (issue 12, "Destinations … mode"): each sealed datagram goes to one
// collector of the target in turn, passing over one the host found down or refusing; every
// collector gets the templates and options records with its own sequence numbers, so each
// decodes its share alone. Proved by decoders nobody here wrote: two and three nfcapd on
// loopback, whose shares together equal the tshark-made oracle of each capture exactly while
// each one decodes every record laid out for it (nfdump reads as many flows as the summary says
// that collector's datagrams held: a record by a template it did not have would be dropped);
// pmacct's nfacctd reading one share as nfdump does; tshark decoding each share with no warning
// (its sequence checks included). Down marks (the host's markDestination) are driven in
// process, where the turns are exact; a refusing collector (also one that starts listening
// while a stream is metered, and gets its turns back), one down from the start and all of
// them down go through the command line and real sockets.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as dgram from "node:dgram";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { lib, meterBatch } from "./helpers/meter.mjs";
import { flowprobe, oracleCaptures, canon, fixtures, cli } from "./helpers/run.mjs";
import { T0, pcapHeader, phase as streamPhase } from "./helpers/stream.mjs";
import { startNfcapd, startNfacctd, freePort } from "./helpers/collector.mjs";
import * as P from "./helpers/packets.mjs";

const L = lib.layout;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** Resolves when `cond()` holds, polling; rejects after `ms`. */
async function until(cond, ms, what) {
  for (const end = Date.now() + ms; !cond();) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

// ---- what nfdump and the oracle say, keyed alike (as export-nfcapd.test.mjs does; ICMP flows,
// whose ports hold type and code, by address and protocol) ----
const portless = (proto, src) => (src.includes(":") ? proto === 58 : proto === 1);
const keyOf = (src, dst, proto, sport, dport) =>
  portless(proto, src) ? `${canon(src)}|${canon(dst)}|${proto}` : `${canon(src)}|${canon(dst)}|${proto}|${sport}|${dport}`;

/** nfdump's flows summed per key: { key: "packets/bytes" }. */
function nfdumpSums(flows) {
  const m = new Map();
  for (const f of flows) {
    const src = f.src4_addr ?? f.src6_addr;
    const k = keyOf(src, f.dst4_addr ?? f.dst6_addr, f.proto, f.src_port, f.dst_port);
    const g = m.get(k) ?? [0n, 0n];
    m.set(k, [g[0] + BigInt(f.in_packets), g[1] + BigInt(f.in_bytes)]);
  }
  return m;
}

/** The oracle's flows that `carries` keeps, summed the same way. */
function oracleSums(oracle, carries = () => true) {
  const m = new Map();
  for (const f of oracle.flows.filter(carries)) {
    const k = keyOf(f.src, f.dst, f.proto, f.sport, f.dport);
    const g = m.get(k) ?? [0n, 0n];
    m.set(k, [g[0] + BigInt(f.packets), g[1] + BigInt(f.bytes)]);
  }
  return m;
}

/** Sums of several collectors' shares. */
function together(maps) {
  const m = new Map();
  for (const share of maps) for (const [k, [p, b]] of share) {
    const g = m.get(k) ?? [0n, 0n];
    m.set(k, [g[0] + p, g[1] + b]);
  }
  return m;
}

const sorted = (m) => Object.fromEntries([...m].sort().map(([k, [p, b]]) => [k, `${p} packets, ${b} bytes`]));
const num = (s) => Number(s.replace(/,/g, ""));

/** The summary's collector lines, in destination order. */
function collectorLines(stderr) {
  const re = /collector (\S+)(?: \([^)]*\))?: datagrams ([\d,]+) = sent ([\d,]+) \+ not sent ([\d,]+) \(refused ([\d,]+), unreachable ([\d,]+),[^)]*\);.*; its datagrams held ([\d,]+) flow records?/g;
  return [...stderr.matchAll(re)].map((m) => ({
    label: m[1], datagrams: num(m[2]), sent: num(m[3]), notSent: num(m[4]), refused: num(m[5]), unreachable: num(m[6]), records: num(m[7]),
  }));
}

const PROTOCOLS = [
  { protocol: "10", label: "IPFIX", carries: () => true },
  { protocol: "9", label: "NetFlow v9", carries: () => true },
  { protocol: "5", label: "NetFlow v5", carries: (f) => !f.src.includes(":") },
];
// captures with many flows (several datagrams per collector even at MTU 1400), and with IPv6
// and VLAN/MPLS at MTU 576 (one or two records a datagram)
const SHARE_RUNS = [
  ["zeek--dhcp--dhcp_flood.pcap", "1400"], ["zeek--igmp--igmp-many-groups.pcap", "576"],
  ["zeek--http--methods.pcap", "576"], ["zeek--ip6_esp.pcap", "576"], ["derived--mixed-links.pcapng", "576"],
];

for (const [name, mtu] of SHARE_RUNS) for (const { protocol, label, carries } of PROTOCOLS) for (const n of [2, 3]) {
  const { file, oracle } = oracleCaptures().find((c) => c.name === name);
  const want = oracleSums(oracle, carries);
  if (want.size === 0) continue; // (IPv6 only: nothing NetFlow v5 can carry)
  test(`${label} round-robin to ${n} nfcapd (MTU ${mtu}): ${name}: the shares equal the oracle, each decoded alone`, async () => {
    const nfs = [];
    for (let i = 0; i < n; i++) nfs.push(await startNfcapd());
    const r = flowprobe(["-r", file, "--seed", "1", "--protocol", protocol, "--mtu", mtu, "--mode", "round-robin",
      "-d", nfs.map((c) => `127.0.0.1:${c.port}`).join(",")]);
    const got = [];
    for (const c of nfs) got.push(await c.stop());
    assert.equal(r.status, 0, r.stderr);
    const lines = collectorLines(r.stderr);
    assert.equal(lines.length, n, r.stderr);
    const shares = got.map((g) => nfdumpSums(g.flows));
    assert.deepEqual(sorted(together(shares)), sorted(want), `the shares together\n${r.stderr}`);
    got.forEach((g, i) => {
      const line = lines[i];
      assert.equal(line.notSent, 0, r.stderr);
      // alone, each decoded every record its datagrams held: none went by a template it lacked
      assert.equal(g.flows.length, line.records, `collector ${i} decoded ${g.flows.length} of its ${line.records} records\n${g.log}`);
      assert.match(g.log, /Bad Packets: 0/, g.log);
      assert.doesNotMatch(g.log, /template|skip|error:/i, g.log);
      // its own sequence numbers: no gap in NetFlow v5 (flows) or v9 (packets). (IPFIX counts
      // options records too, which nfdump 1.7 does not: export-nfcapd.test.mjs.)
      if (protocol !== "10") assert.match(g.log, /Sequence Errors: 0,/, g.log);
    });
    // each a share: about as many datagrams (one more for those whose turn came first, and a
    // message of templates alone where the MTU is too small for them beside a record)
    const data = lines.map((l) => l.datagrams);
    assert.ok(Math.max(...data) - Math.min(...data) <= 2, `datagrams per collector ${data.join(", ")}`);
    // the turns go in order: a run of fewer datagrams than collectors reaches the first ones only
    const holding = lines.map((l) => l.records > 0);
    assert.ok(holding[0] && !holding.some((h, i) => h && !holding[i - 1] && i > 0), `records per collector: ${lines.map((l) => l.records)}`);
    if (oracle.flows.length >= 100) assert.ok(holding.every(Boolean), r.stderr);
  });
}

test("pmacct's nfacctd reads one round-robin share as nfdump does", async () => {
  const { file } = oracleCaptures().find((c) => c.name === "zeek--dhcp--dhcp_flood.pcap");
  const args = ["-r", file, "--seed", "1", "--protocol", "10", "--mode", "round-robin"];
  // the same run twice (a file's turns are the same every time): collector 0 once nfcapd, once nfacctd
  const a0 = await startNfcapd(), a1 = await startNfcapd();
  const first = flowprobe([...args, "-d", `127.0.0.1:${a0.port},127.0.0.1:${a1.port}`]);
  const nfdump0 = await a0.stop(), nfdump1 = await a1.stop();
  assert.equal(first.status, 0, first.stderr);
  const b0 = await startNfacctd(), b1 = await startNfcapd();
  const second = flowprobe([...args, "-d", `127.0.0.1:${b0.port},127.0.0.1:${b1.port}`]);
  const pm = await b0.stop(), nfdump1again = await b1.stop();
  assert.equal(second.status, 0, second.stderr);
  assert.doesNotMatch(pm.log, /malformed|incomplete|unable to read/i, pm.log);
  const pmacct = new Map();
  for (const l of pm.lines) {
    const k = keyOf(l.ip_src, l.ip_dst, Number(l.ip_proto), l.port_src, l.port_dst);
    const g = pmacct.get(k) ?? [0n, 0n];
    pmacct.set(k, [g[0] + BigInt(l.packets), g[1] + BigInt(l.bytes)]);
  }
  const share = nfdumpSums(nfdump0.flows);
  assert.ok(share.size > 100 && share.size < 400, `a share, not everything: ${share.size} flows`);
  assert.deepEqual(sorted(pmacct), sorted(share), `nfacctd said: ${pm.log.slice(-800)}`);
  assert.deepEqual(sorted(nfdumpSums(nfdump1again.flows)), sorted(nfdumpSums(nfdump1.flows)), "the other share, the same both times");
});

// ---- in process: the core's turns and marks, exactly ----

/** 16-bit set ids of an IPFIX message (RFC 7011 §3.3), and its flow records (UDP over IPv4: template 256, 68 bytes each). */
function ipfixSets(dg) {
  const ids = [];
  let records = 0;
  for (let o = 16; o + 4 <= dg.length; o += dg.readUInt16BE(o + 2)) {
    const id = dg.readUInt16BE(o), len = dg.readUInt16BE(o + 2);
    assert.ok(len >= 4 && o + len <= dg.length, "set length within the message");
    ids.push(id);
    if (id === 256) records += (len - 4) / 68;
  }
  return { ids, records };
}

/** UDP flows over IPv4, one packet each, `count` of them from source port `from` on, at 1 ms steps from `t0` s. */
function udpFlows(count, from, t0 = 1700000000) {
  return Array.from({ length: count }, (_, i) => ({
    ts: BigInt(t0) * 1000000000n + BigInt(from + i) * 1000000n,
    data: P.eth(P.ETH_IPV4, P.ipv4(P.udp(1024 + from + i, 53, Buffer.alloc(20)), { proto: 17, src: "192.0.2.1", dst: "198.51.100.1" })),
  }));
}

/** A round-robin IPFIX meter with `collectors` destinations; its datagrams collected as [dest, bytes]. */
function rrMeter(collectors, { mtu = 1400, refreshRate = 20 } = {}) {
  const got = [];
  const meter = new lib.Meter([{
    maxflows: 100000, hashsize: 262144, inactiveTimeoutS: 15, activeTimeoutS: 1800, format: "ipfix",
    export: { mtu, engineId: 7, refreshRate, templateTimeoutS: 1800, destinations: collectors, mode: "round-robin" },
  }], 1n, (bytes) => lib.forEachDatagram(bytes, (d, dg) => got.push([d, Buffer.from(dg)])));
  meter.setExportTime(1700000000);
  return { meter, got };
}

/** Meters `packets` and exports every flow (each phase's datagrams sealed and drained before the next). */
async function phase(meter, packets) {
  await meterBatch(packets, {}, { flush: false, meterState: { meter, text: () => "" } });
  while (meter.core.x.flushAll(L.END_FORCED) === 0) await meter.drain();
  await meter.drain();
}

/** tshark's reading of one collector's datagrams, wrapped in a capture file: its expert items and verbose text. */
function tshark(datagrams) {
  const dir = mkdtempSync(path.join(tmpdir(), "fp-rr-tshark-"));
  try {
    const pcap = path.join(dir, "share.pcap");
    writeFileSync(pcap, P.pcapFile(1, datagrams.map((dg, i) => ({
      ts: [1700000000, i], data: P.eth(P.ETH_IPV4, P.ipv4(P.udp(40000, 4739, dg), { proto: 17, src: "127.0.0.1", dst: "127.0.0.1" })),
    }))));
    const args = ["-n", "-r", pcap, "-d", "udp.port==4739,cflow"];
    const expert = spawnSync("tshark", [...args, "-q", "-z", "expert,warn"], { encoding: "utf8" });
    const verbose = spawnSync("tshark", [...args, "-V"], { encoding: "utf8", maxBuffer: 1 << 28 });
    const flows = [...verbose.stdout.matchAll(/^\s+Set \d+ \[id=256\] \((\d+) flows\)/gm)].reduce((n, m) => n + Number(m[1]), 0);
    return { expert: expert.stdout + expert.stderr, verbose: verbose.stdout, frames: verbose.stdout.split("\n").filter((l) => /^Frame \d+:/.test(l)).length, flows };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("in process: turns in order, one collector marked down gets none, all down are counted lost, one back gets the templates first", async () => {
  const { meter, got } = rrMeter(3, { refreshRate: 5 });
  const ofPhase = () => got.splice(0);
  // 1: all three in turn, 0, 1, 2, 0, …
  await phase(meter, udpFlows(400, 0));
  const p1 = ofPhase();
  assert.ok(p1.length >= 18, `${p1.length} datagrams`);
  p1.forEach(([d], i) => assert.equal(d, i % 3, `datagram ${i} to collector ${i % 3}`));
  // 2: collector 1 down: 0 and 2 take turns, where the cursor left off
  meter.markDestination(1, true);
  await phase(meter, udpFlows(400, 400));
  const p2 = ofPhase();
  assert.ok(p2.length >= 18);
  assert.deepEqual([...new Set(p2.map(([d]) => d))].sort(), [0, 2]);
  for (let i = 1; i < p2.length; i++) assert.notEqual(p2[i][0], p2[i - 1][0], "0 and 2 alternate");
  // 3: all down: nothing laid out, every datagram and record counted lost
  meter.markDestination(0, true);
  meter.markDestination(2, true);
  await phase(meter, udpFlows(300, 800));
  assert.equal(ofPhase().length, 0);
  const lost = meter.snapshot().lost;
  assert.equal(lost.records, 300n);
  assert.ok(lost.datagrams >= 14n, `${lost.datagrams} datagrams lost`);
  // 4: collector 1 back: it alone, and its first datagram brings the templates
  meter.markDestination(1, false);
  await phase(meter, udpFlows(100, 1100));
  const p4 = ofPhase();
  assert.ok(p4.length >= 4);
  assert.deepEqual([...new Set(p4.map(([d]) => d))], [1]);
  assert.equal(ipfixSets(p4[0][1]).ids[0], 2, "a template set first");
  // the end: the final statistics to every collector, down or not
  await meter.flush();
  assert.deepEqual(ofPhase().map(([d]) => d).sort(), [0, 1, 2]);
  const snap = meter.snapshot();
  const records = [0, 1, 2].map((d) => [...p1, ...p2, ...p4].filter(([x]) => x === d).reduce((n, [, dg]) => n + ipfixSets(dg).records, 0));
  assert.deepEqual(snap.destinationRecords, records.map(BigInt), "the core's records per collector");
  assert.equal(records.reduce((a, b) => a + b, 0) + Number(snap.lost.records), 1200, "every flow once: sent to one collector, or lost");
});

test("in process: tshark decodes each round-robin share on its own — templates first, its own sequence numbers, the final statistics — with no warning", async () => {
  for (const mtu of [1400, 576]) {
    const { meter, got } = rrMeter(3, { mtu, refreshRate: 4 });
    await phase(meter, udpFlows(300, 0));
    meter.markDestination(2, true); // one leaves for a while and comes back: it gets the templates again first
    await phase(meter, udpFlows(150, 300));
    meter.markDestination(2, false);
    await phase(meter, udpFlows(150, 450));
    await meter.flush();
    for (const d of [0, 1, 2]) {
      const mine = got.filter(([x]) => x === d).map(([, dg]) => dg);
      const t = tshark(mine);
      assert.equal(t.frames, mine.length, "every datagram decoded");
      assert.doesNotMatch(t.verbose, /Malformed|Expert Info \((Warning|Error)/, `MTU ${mtu}, collector ${d}`);
      assert.doesNotMatch(t.expert, /\b(Warns|Errors)\b/, t.expert);
      const records = mine.reduce((n, dg) => n + ipfixSets(dg).records, 0);
      assert.equal(t.flows, records, `tshark read every record of collector ${d}`);
      assert.equal(BigInt(records), meter.snapshot().destinationRecords[d]);
      // its own sequence: records (options records included) before each message
      let seq = 0;
      for (const dg of mine) {
        assert.equal(dg.readUInt32BE(8), seq, `collector ${d}'s sequence`);
        const { ids, records: r } = ipfixSets(dg);
        seq += r + ids.filter((id) => id === 258 || id === 259).length;
      }
      assert.ok(ipfixSets(mine[0]).ids.includes(2), "its first message holds the templates");
      // and again at least every refresh-rate (4) of its own messages, and with the final statistics
      let since = 0;
      for (const dg of mine) {
        since = ipfixSets(dg).ids.includes(2) ? 0 : since + 1;
        assert.ok(since < 4, `collector ${d}: ${since + 1} messages in a row without the templates`);
      }
      assert.ok(ipfixSets(mine.at(-1)).ids.includes(2), "the final statistics with the templates");
    }
  }
});

test("in process: a bad destination mode, and marks on a destination that is not there, are refused with what is right", () => {
  assert.throws(() => rrMeter(2).meter.markDestination(5, true), /destination 5: not one of the core's/);
  assert.throws(() => new lib.Meter([{
    maxflows: 1000, hashsize: 2048, inactiveTimeoutS: 15, activeTimeoutS: 1800, format: "ipfix",
    export: { mtu: 1400, engineId: 0, refreshRate: 20, templateTimeoutS: 1800, destinations: 2, mode: "random" },
  }], 1n, () => {}), /no destination mode random \(the modes: mirror, round-robin\)/);
});

test("a refused collector is probed, said to receive again by udp.ts's rule once it listens, and round-robin's mark follows", async () => {
  let now = 0;
  const port = freePort();
  const d = new lib.UdpDestination({ host: "127.0.0.1", port }, { now: () => now });
  const marks = [];
  d.onReceiving = (r) => marks.push(r);
  d.probe = true;
  await d.open();
  try {
    assert.equal(d.receiving, true);
    // nothing listens: the port unreachable comes back on the socket or the next send
    for (let i = 0; i < 20 && d.receiving; i++) {
      d.send(Buffer.from("x"));
      await d.drained();
      await sleep(20);
    }
    assert.equal(d.receiving, false, "refused");
    assert.deepEqual(marks, [false]);
    // probes while it refuses: still refused, and none of them counted as a datagram
    const datagrams = d.counters.datagrams;
    for (let i = 0; i < 3; i++) {
      now += 1000;
      await d.maintain();
      await sleep(30);
    }
    assert.equal(d.receiving, false);
    assert.ok(d.counters.probes >= 3);
    assert.equal(d.counters.datagrams, datagrams);
    // it listens: probes go through quietly, and after QUIET_MS it receives again
    const listener = dgram.createSocket("udp4");
    const arrived = [];
    listener.on("message", (m) => arrived.push(m.length));
    await new Promise((r) => listener.bind(port, "127.0.0.1", r));
    try {
      for (let i = 0; i < 8 && !d.receiving; i++) {
        now += 1000;
        await d.maintain();
        await sleep(30);
      }
      assert.equal(d.receiving, true, "receives again");
      assert.deepEqual(marks, [false, true]);
      assert.ok(arrived.length > 0 && arrived.every((n) => n === 0), `the probes arrive empty: ${arrived}`);
    } finally {
      listener.close();
    }
  } finally {
    d.close();
  }
});

// ---- the command line, real sockets ----

/** A capture of `count` one-packet UDP flows (distinct source ports and addresses), with what each is. */
function bigCapture(count) {
  const flows = [];
  const packets = [];
  for (let i = 0; i < count; i++) {
    const src = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
    const sport = 1024 + (i % 60000);
    const data = P.eth(P.ETH_IPV4, P.ipv4(P.udp(sport, 2055, Buffer.alloc(i % 50)), { proto: 17, src, dst: "192.0.2.99" }));
    packets.push({ ts: [1700000000 + Math.floor(i / 1000), (i % 1000) * 1000], data });
    flows.push({ src, dst: "192.0.2.99", proto: 17, sport, dport: 2055, packets: 1, bytes: data.length - 14 });
  }
  return { pcap: P.pcapFile(1, packets), oracle: { flows } };
}

test("a collector that refuses (nothing on its port) gets no more turns once refused: the others get everything after, nothing twice, its datagrams counted", { timeout: 120000 }, async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "fp-rr-"));
  try {
    const { pcap, oracle } = bigCapture(50000);
    const file = path.join(dir, "flows.pcap");
    writeFileSync(file, pcap);
    const a = await startNfcapd(), b = await startNfcapd();
    const closed = freePort(a.port + 100);
    const r = flowprobe(["-r", file, "--seed", "1", "--protocol", "10", "--mode", "round-robin", "--export-rate", "1000",
      "-d", `127.0.0.1:${a.port},127.0.0.1:${b.port},127.0.0.1:${closed}`]);
    const ga = await a.stop(), gb = await b.stop();
    assert.equal(r.status, 0, r.stderr);
    const [la, lb, lc] = collectorLines(r.stderr);
    assert.match(r.stderr, new RegExp(`collector 127\\.0\\.0\\.1:${closed} refuses datagrams`));
    // its datagrams: sent before the refusal came back, or refused; each counted once
    assert.ok(lc.refused >= 1, r.stderr);
    assert.equal(lc.datagrams, lc.sent + lc.refused, r.stderr);
    // after the mark every datagram went to the other two: it got far fewer than a third
    const total = la.datagrams + lb.datagrams + lc.datagrams;
    assert.ok(lc.datagrams < total / 6, `the refusing collector's datagrams ${lc.datagrams} of ${total}`);
    // the others decoded every record of theirs; with the refusing one's, every flow exactly once
    assert.equal(ga.flows.length, la.records, ga.log);
    assert.equal(gb.flows.length, lb.records, gb.log);
    assert.equal(la.records + lb.records + lc.records, oracle.flows.length);
    const got = together([nfdumpSums(ga.flows), nfdumpSums(gb.flows)]);
    const want = oracleSums(oracle);
    for (const [k, v] of got) assert.deepEqual(v, want.get(k), `flow ${k} once, as it was`);
    assert.equal(got.size, la.records + lb.records, "no flow twice");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a refusing collector that starts listening gets its turns back once it receives again, the templates first: each phase's flows once, between the two", { timeout: 60000 }, async () => {
  const a = await startNfcapd();
  const cPort = freePort(a.port + 200);
  const fp = spawn(process.execPath, [cli, "-r", "-", "--seed", "1", "--mtu", "576", "--mode", "round-robin", "--export-rate", "0",
    "-d", `127.0.0.1:${a.port},127.0.0.1:${cPort}`], { stdio: ["pipe", "ignore", "pipe"] });
  let stderr = "";
  fp.stderr.on("data", (d) => (stderr += d));
  const exit = new Promise((resolve) => fp.on("close", resolve));
  let c;
  try {
    // phase 1 (destination port 2000) goes idle at phase 2's packets: C refuses one of its datagrams
    fp.stdin.write(Buffer.concat([pcapHeader(), streamPhase(T0), streamPhase(T0 + 100)]));
    await until(() => /127\.0\.0\.1:\d+ refuses datagrams/.test(stderr), 10000, "the refusal");
    // phase 2 (port 2100) goes idle, and a filler (2250) after it, so that every datagram of
    // phase 2 is sealed while C is marked: all of them to A
    fp.stdin.write(Buffer.concat([streamPhase(T0 + 250, 8), streamPhase(T0 + 300, 1)]));
    await sleep(500);
    c = await startNfcapd(cPort); // C listens now: probed, it receives again after 5 s quiet
    await until(() => /no port unreachable for 5 s: it receives again/.test(stderr), 15000, "C receiving again");
    fp.stdin.write(streamPhase(T0 + 400)); // phase 3 (port 2400), forced out at the end: A and C take turns again
    fp.stdin.end();
    assert.equal(await exit, 0, stderr);
  } finally {
    if (fp.exitCode === null) fp.kill("SIGKILL");
  }
  const ga = await a.stop(), gc = await c.stop();
  const byPhase = (flows) => {
    const m = new Map();
    for (const f of flows) m.set(f.dst_port, [...(m.get(f.dst_port) ?? []), f.src_port].sort((x, y) => x - y));
    return m;
  };
  const pa = byPhase(ga.flows), pc = byPhase(gc.flows);
  const all = Array.from({ length: 40 }, (_, i) => 10000 + i);
  assert.deepEqual(pa.get(2100), all, "phase 2, while C was marked: every flow at A");
  assert.equal(pc.get(2100), undefined);
  assert.equal(pc.get(2000), undefined, "C's share of phase 1 was sent before it listened, or refused");
  assert.ok((pc.get(2400) ?? []).length > 0, `C has turns again: ${gc.log}`);
  assert.deepEqual([...(pa.get(2400) ?? []), ...pc.get(2400)].sort((x, y) => x - y), all, "phase 3: each flow once, at A or at C");
  // C decoded everything that reached it after it came back: the templates came first
  assert.match(gc.log, /Bad Packets: 0/);
  const [, lc] = collectorLines(stderr);
  assert.ok(lc.refused >= 1, stderr);
});

test("a collector down from the start (a link-local address without a scope) gets no turns: the others' shares equal the oracle", async () => {
  const { file, oracle } = oracleCaptures().find((c) => c.name === "zeek--igmp--igmp-many-groups.pcap");
  const a = await startNfcapd(), b = await startNfcapd();
  const r = flowprobe(["-r", file, "--seed", "1", "--protocol", "9", "--mode", "round-robin", "--mtu", "576",
    "-d", `127.0.0.1:${a.port},[fe80::1]:${a.port},127.0.0.1:${b.port}`]);
  const ga = await a.stop(), gb = await b.stop();
  assert.equal(r.status, 0, r.stderr);
  const [la, ldown, lb] = collectorLines(r.stderr);
  assert.equal(ldown.records, 0, r.stderr);
  assert.equal(ldown.datagrams, ldown.unreachable, "only the final statistics, counted unreachable");
  assert.ok(la.records > 0 && lb.records > 0);
  assert.equal(ga.flows.length, la.records, ga.log);
  assert.equal(gb.flows.length, lb.records, gb.log);
  assert.deepEqual(sorted(together([nfdumpSums(ga.flows), nfdumpSums(gb.flows)])), sorted(oracleSums(oracle)));
  assert.doesNotMatch(r.stderr, /round-robin with every collector down/);
});

test("every collector down: each datagram counted lost, no crash, no hang", { timeout: 30000 }, () => {
  const { file, oracle } = oracleCaptures().find((c) => c.name === "zeek--dhcp--dhcp_flood.pcap");
  const started = Date.now();
  const r = flowprobe(["-r", file, "--seed", "1", "--mode", "round-robin", "-d", "[fe80::1]:2055,[fe80::2]:2055"], { timeout: 20000 });
  assert.equal(r.status, 0, r.stderr);
  assert.ok(Date.now() - started < 15000);
  const m = /round-robin with every collector down: ([\d,]+) datagrams? not sent to any, holding ([\d,]+) flow records? \(lost\)/.exec(r.stderr);
  assert.ok(m, r.stderr);
  assert.equal(num(m[2]), oracle.flows.length);
  assert.ok(num(m[1]) >= 20);
  for (const l of collectorLines(r.stderr)) assert.equal(l.records, 0);
});

test("--mode: round-robin or mirror, with collectors; anything else exits 2 saying what is right", () => {
  const sample = path.join(fixtures, "pcaps", "zeek--http--bro.org.pcap");
  const bad = flowprobe(["-r", sample, "-d", "127.0.0.1:2055", "--mode", "roundrobin"]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--mode roundrobin: expected mirror \(every collector gets every datagram\) or round-robin/);
  const alone = flowprobe(["-r", sample, "--mode", "round-robin"]);
  assert.equal(alone.status, 2);
  assert.match(alone.stderr, /--mode is for export to collectors: give --destination HOST:PORT/);
});
