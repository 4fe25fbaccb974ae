// The registry's rates and moving averages on an injected clock: exact values for a scripted
// sequence of readings (src/stats/rates.ts), and the registry's figures from a real meter.
import { test } from "node:test";
import assert from "node:assert/strict";
import { lib } from "./helpers/meter.mjs";

const { WindowRate, MovingAverage, TrafficRates, StatsRegistry, jsonOf } = lib;
/** Seconds on the meter clock (MeterSnapshot.clockNs, ns): the registry's only clock of the rates. */
const ns = (s) => BigInt(Math.round(s * 1e6)) * 1000n;

test("window rates: growth from the oldest reading within each window over the time between", () => {
  const r = new WindowRate();
  assert.deepEqual(r.rates(), [0, 0, 0], "no readings: 0");
  r.add(100, 0n);
  assert.deepEqual(r.rates(), [0, 0, 0], "one reading: 0");
  // 1000 packets a second for 60 s, then 4000 a second for 10 s
  for (let s = 1; s <= 60; s++) r.add(100 + s, BigInt(1000 * s));
  assert.deepEqual(r.rates(), [1000, 1000, 1000]);
  for (let s = 1; s <= 10; s++) r.add(160 + s, 60000n + BigInt(4000 * s));
  // 1 s: the last second; 1 min: readings 110..170 (60 s: 50 s at 1000 and 10 s at 4000); 5 min: all 70 s
  assert.deepEqual(r.rates(), [4000, (50 * 1000 + 10 * 4000) / 60, (60 * 1000 + 10 * 4000) / 70]);
  // nothing for 300 s, read every 30 s: the 5-minute window has only the quiet readings left
  for (let s = 30; s <= 300; s += 30) r.add(170 + s, 100000n);
  const [one, min, five] = r.rates();
  assert.equal(one, 0, "1 s window: the reading before the last, 30 s back, with no growth");
  assert.equal(min, 0);
  assert.equal(five, 0, "the window starts at t=170: no packets since");
});

test("window rates: readings further apart than a window use the reading just before", () => {
  const r = new WindowRate();
  r.add(0, 0n);
  r.add(10, 500n);
  assert.deepEqual(r.rates(), [50, 50, 50]);
  r.add(5, 0n); // the clock went back (a step): start again
  assert.deepEqual(r.rates(), [0, 0, 0]);
});

test("moving averages: ipt_NETFLOW's damped averages, exp(-dt/T), for a scripted sequence", () => {
  const m = new MovingAverage();
  m.add(0, 1);
  assert.deepEqual(m.averages(), [1, 1, 1], "the first value starts every average");
  m.add(60, 3);
  const e = [Math.exp(-1), Math.exp(-60 / 300), Math.exp(-60 / 900)];
  assert.deepEqual(m.averages(), e.map((x) => 1 * x + 3 * (1 - x)));
  assert.equal(m.value, 3);
  const before = m.averages();
  m.add(120, 2);
  const e2 = [Math.exp(-1), Math.exp(-60 / 300), Math.exp(-60 / 900)];
  assert.deepEqual(m.averages(), before.map((a, k) => a * e2[k] + 2 * (1 - e2[k])));
});

test("traffic rates: bits are IP bytes times 8, the clock named", () => {
  const t = new TrafficRates("packet time");
  t.add(1, 10n, 1000n);
  const r = t.add(2, 30n, 3000n);
  assert.deepEqual(r, { clock: "packet time", packets: [20, 20, 20], bits: [16000, 16000, 16000] });
  assert.deepEqual(t.add(undefined, 99n, 99n), r, "no reading: as it was");
});

test("registry: rates, search metric and cache figures on a scripted meter clock; JSON keeps 64-bit integers exact", () => {
  let now = 1000;
  let metered = 0n;
  let bytes = 0n;
  let lookups = 0n;
  let probes = 0n;
  const target = { packets: 0n, exported: new Map(), exportedTotal: 0n, created: 0n, active: 3, peak: 5, maxflows: 100, indexSize: 16, indexMax: 64, cacheBytes: 4096 };
  const meter = { snapshot: () => ({ metered, bytes, lookups, probes, clockNs: ns(now), targets: [{ ...target, generation: 1, packets: metered, bytes, lookups, probes }], destinationRecords: [], destinationTemplates: [] }) };
  let seconds = 0;
  const reg = new StatsRegistry({
    meter, source: { label: "x", statistics: () => ({ kind: "file", bytes: 0, size: 0 }) }, destinations: [],
    targets: [{ name: "t", title: "JSON lines", mode: "mirror", destinations: [], memoryReserved: 9999 }],
    clockSteps: () => 0, labels: { skipped: [], ended: [] }, seconds: () => seconds, rateClock: { kind: "wall time" },
  });
  reg.tick();
  now += 1; seconds += 1; metered = 500n; bytes = 50000n; lookups = 500n; probes = 600n;
  let s = reg.tick();
  assert.deepEqual(s.rates, { clock: "wall time", packets: [500, 500, 500], bits: [400000, 400000, 400000] });
  assert.deepEqual(s.targets[0].packetRates, [500, 500, 500]);
  assert.deepEqual(s.targets[0].bitRates, [400000, 400000, 400000], "the target's bits/s: its bytes × 8 over the same windows");
  assert.equal(s.search.metric, 1.2);
  assert.deepEqual(s.targets[0].search, { lookups: 500n, probes: 600n, metric: 1.2, averages: [1.2, 1.2, 1.2] }, "the target's own search metric");
  assert.deepEqual(s.search.averages, [1.2, 1.2, 1.2]);
  assert.deepEqual(s.targets[0].cache, { active: 3, peak: 5, peakAtS: 0, maxflows: 100, indexSize: 16, indexMax: 64, indexFill: 3 / 16, memoryInUse: 4096, memoryReserved: 9999 });
  now += 60; seconds += 60; lookups += 100n; probes += 100n; target.peak = 7;
  s = reg.tick();
  assert.equal(s.search.metric, 1);
  assert.deepEqual(s.targets[0].search, s.search, "one target: its search metric is the process's");
  assert.deepEqual(s.search.averages, [1.2 * Math.exp(-1) + (1 - Math.exp(-1)), 1.2 * Math.exp(-0.2) + (1 - Math.exp(-0.2)), 1.2 * Math.exp(-60 / 900) + (1 - Math.exp(-60 / 900))]);
  assert.equal(s.targets[0].cache.peakAtS, 61, "the reading that first saw the new peak");
  metered = 2n ** 63n + 1n;
  s = reg.tick();
  assert.match(jsonOf(s.meter), /"metered":9223372036854775809\b/);
});

test("registry: a target whose core counters a reload made anew (its slot's next generation) starts its rates again (no negative rate), and its search metric from its own lookups", () => {
  let now = 100;
  const t = { generation: 1, packets: 0n, bytes: 0n, lookups: 0n, probes: 0n, exported: new Map(), exportedTotal: 0n, created: 0n, active: 0, peak: 0, maxflows: 10, indexSize: 16, indexMax: 16, cacheBytes: 0 };
  const meter = { snapshot: () => ({ metered: t.packets, bytes: t.bytes, lookups: t.lookups, probes: t.probes, clockNs: ns(now), targets: [{ ...t }], destinationRecords: [], destinationTemplates: [] }) };
  const reg = new StatsRegistry({
    meter, source: { label: "x", statistics: () => ({ kind: "file", bytes: 0, size: 0 }) }, destinations: [],
    targets: [{ name: "t", title: "JSON lines", mode: "mirror", destinations: [] }],
    clockSteps: () => 0, labels: { skipped: [], ended: [] }, seconds: () => 0, rateClock: { kind: "wall time" },
  });
  reg.tick();
  now += 1; Object.assign(t, { packets: 1000n, bytes: 100000n, lookups: 1000n, probes: 1500n });
  let s = reg.tick();
  assert.deepEqual(s.targets[0].bitRates, [800000, 800000, 800000]);
  assert.equal(s.targets[0].search.metric, 1.5);
  // the reload: the target's slot configured anew (the meter's next generation) counts from zero again
  now += 1; Object.assign(t, { packets: 10n, bytes: 1000n, lookups: 10n, probes: 10n, generation: 2 });
  s = reg.tick();
  assert.deepEqual(s.targets[0].bitRates, [0, 0, 0], "one reading since the restart: no rate yet");
  assert.equal(s.targets[0].search.metric, 1, "the new target's own: its 10 lookups read 10 entries (the generation says where its counts began)");
  now += 1; Object.assign(t, { packets: 110n, bytes: 11000n, lookups: 110n, probes: 130n });
  s = reg.tick();
  assert.deepEqual(s.targets[0].bitRates, [80000, 80000, 80000]);
  assert.deepEqual(s.targets[0].packetRates, [100, 100, 100]);
  assert.equal(s.targets[0].search.metric, 1.2);
});

/** A registry over a scripted meter: `m` holds the counters and the meter clock (ns); one target "t" in slot 0. */
function scripted(rateClock, m = { packets: 0n, bytes: 0n, lookups: 0n, probes: 0n, clockNs: 0n, generation: 1 }) {
  const target = () => ({ packets: m.packets, bytes: m.bytes, lookups: m.lookups, probes: m.probes, generation: m.generation, exported: new Map(), exportedTotal: 0n, created: 0n, active: 0, peak: 0, maxflows: 10, indexSize: 16, indexMax: 16, cacheBytes: 0 });
  const meter = { snapshot: () => ({ metered: m.packets, bytes: m.bytes, lookups: m.lookups, probes: m.probes, clockNs: m.clockNs, targets: [target()], destinationRecords: [], destinationTemplates: [] }) };
  const reg = new StatsRegistry({
    // (m.firstNs set: a live source's statistics, the first packet handed over since the last tick)
    meter, source: { label: "x", statistics: () => (m.firstNs === undefined ? { kind: "file", bytes: 0, size: 0 } : { kind: "live", kernel: { packets: 0n, drops: 0n, freezes: 0n }, rings: [], interfaces: new Map(), restarts: 0, backend: "shim", firstPacketNs: m.firstNs }) }, destinations: [],
    targets: [{ name: "t", title: "JSON lines", mode: "mirror", destinations: [] }],
    clockSteps: () => 0, labels: { skipped: [], ended: [] }, seconds: () => 0, rateClock,
  });
  return { m, reg };
}

test("registry: only the tick feeds the rates' windows and the search metric: a reading on demand between two ticks (a stat request) leaves the next 1-s rate over the ticks' second", () => {
  // a reviewer's sequence: ticks at 0 and 1.001 s, a `stat` request at 0.981 s; a steady 2000
  // packets/s and 60 packets more in the last 20 ms. Fed by the request too, the tick's 1-s rate
  // spanned 0.981..1.001: (2062 − 1962) / 0.02 = 5000 packets/s
  const { m, reg } = scripted({ kind: "wall time" });
  m.clockNs = ns(100);
  reg.tick();
  Object.assign(m, { clockNs: ns(100.981), packets: 1962n, bytes: 196200n, lookups: 1962n, probes: 1962n });
  const asked = reg.read();
  assert.deepEqual(asked.rates.packets, [0, 0, 0], "a reading on demand: the rates as the last tick left them (one tick: none yet)");
  assert.equal(asked.meter.metered, 1962n, "its counters are read now");
  assert.equal(asked.search.lookups, 1962n);
  assert.equal(asked.search.metric, 0, "the search metric as the last tick left it");
  Object.assign(m, { clockNs: ns(101.001), packets: 2062n, bytes: 206200n, lookups: 2062n, probes: 4124n });
  let s = reg.tick();
  const over = 101.001 - 100;
  assert.deepEqual(s.rates.packets, [2062 / over, 2062 / over, 2062 / over], "the tick's 1-s rate over the ticks' 1.001 s, not the request's 20 ms");
  assert.ok(Math.abs(s.rates.packets[0] - 2060) < 1);
  assert.deepEqual(s.targets[0].packetRates, s.rates.packets, "the target's too");
  assert.equal(s.search.metric, 2, "the metric over the lookups since the tick before (4124 / 2062), not since the request");
  // another request after the tick: what the tick left, the counters of now
  Object.assign(m, { clockNs: ns(101.5), packets: 3062n, bytes: 306200n, lookups: 3062n, probes: 5124n });
  const again = reg.read();
  assert.deepEqual(again.rates, s.rates);
  assert.deepEqual(again.targets[0].packetRates, s.targets[0].packetRates);
  assert.equal(again.search.metric, 2);
  assert.deepEqual(again.search.averages, s.search.averages);
  assert.equal(again.meter.metered, 3062n);
  // the next tick: over the second from the tick before (101.001), not from the request at 101.5
  Object.assign(m, { clockNs: ns(102.001), packets: 4062n, bytes: 406200n, lookups: 4062n, probes: 6124n });
  s = reg.tick();
  assert.deepEqual(s.rates.packets.slice(0, 1), [2000 / (102.001 - 101.001)]);
  assert.deepEqual(s.targets[0].bitRates.slice(0, 1), [200000 * 8 / (102.001 - 101.001)]);
  assert.equal(s.search.metric, 1, "(6124 − 4124) / (4062 − 2062)");
});

test("registry: a target a reload made anew (a new generation of its slot) starts its rates and search metric again, even when its new counts already exceed the old", () => {
  const { m, reg } = scripted({ kind: "wall time" });
  m.clockNs = ns(100);
  reg.tick();
  Object.assign(m, { clockNs: ns(101), packets: 1000n, bytes: 100000n, lookups: 1000n, probes: 1500n });
  let s = reg.tick();
  assert.deepEqual(s.targets[0].packetRates, [1000, 1000, 1000]);
  assert.equal(s.targets[0].search.metric, 1.5);
  // the reload re-made the target (its slot's next generation); by the next tick it counted
  // more than the old one had: no drop tells of it, only the generation
  Object.assign(m, { clockNs: ns(102), packets: 1500n, bytes: 150000n, lookups: 1500n, probes: 1500n, generation: 2 });
  s = reg.tick();
  assert.deepEqual(s.targets[0].packetRates, [0, 0, 0], "one reading of the new target: no rate yet (not (1500 − 1000) / 1 s)");
  assert.deepEqual(s.targets[0].bitRates, [0, 0, 0]);
  assert.equal(s.targets[0].search.metric, 1, "its own lookups since it was made: 1500 probes / 1500 lookups (not 0 / 500)");
  assert.deepEqual(s.targets[0].search.averages, [1, 1, 1], "its averages start with it");
  Object.assign(m, { clockNs: ns(103), packets: 1600n, bytes: 160000n, lookups: 1600n, probes: 1620n });
  s = reg.tick();
  assert.deepEqual(s.targets[0].packetRates, [100, 100, 100]);
  assert.deepEqual(s.targets[0].bitRates, [80000, 80000, 80000]);
  assert.equal(s.targets[0].search.metric, 1.2);
  // a reading on demand sees a new generation too: the old target's rates are not the new one's
  Object.assign(m, { clockNs: ns(103.5), packets: 5n, bytes: 500n, lookups: 5n, probes: 5n, generation: 3 });
  assert.deepEqual(reg.read().targets[0].packetRates, [0, 0, 0]);
  Object.assign(m, { clockNs: ns(104), packets: 105n, bytes: 10500n, lookups: 105n, probes: 105n });
  reg.tick();
  Object.assign(m, { clockNs: ns(105), packets: 305n, bytes: 30500n, lookups: 305n, probes: 305n });
  assert.deepEqual(reg.tick().targets[0].packetRates, [200, 200, 200]);
});

test("registry: live ('wall time'), the rates follow the meter clock (MeterSnapshot.clockNs: the newest packet's kernel time)", () => {
  const { m, reg } = scripted({ kind: "wall time" });
  // the meter clock a year back (and stepping in tenths): the host's clock has nothing to do with it
  const base = 1_700_000_000_000_000_000n;
  Object.assign(m, { clockNs: base });
  reg.tick();
  Object.assign(m, { clockNs: base + 1_250_000_000n, packets: 2500n, bytes: 250000n });
  let s = reg.tick();
  assert.equal(s.rates.clock, "wall time");
  assert.deepEqual(s.rates.packets, [2000, 2000, 2000], "2500 packets over the meter clock's 1.25 s");
  assert.deepEqual(s.rates.bits, [1600000, 1600000, 1600000]);
  assert.deepEqual(s.targets[0].packetRates, [2000, 2000, 2000]);
  // the host's clock moves on, the meter clock not (a ring block not yet handed over): the same
  // counters at the same meter time are no new reading
  Object.assign(m, { packets: 2500n, bytes: 250000n });
  s = reg.tick();
  assert.deepEqual(s.rates.packets, [2000, 2000, 2000]);
  Object.assign(m, { clockNs: base + 2_250_000_000n, packets: 3500n, bytes: 350000n });
  s = reg.tick();
  assert.deepEqual(s.rates.packets.slice(0, 1), [1000]);
});

test("meter: each configuring of a slot gets a new generation (a reload's replaceTarget, a slot added again); the other targets' stay", async () => {
  const json = { maxflows: 100, hashsize: 64, inactiveTimeoutS: 15, activeTimeoutS: 1800, format: "json" };
  const meter = new lib.Meter([json, { ...json, select: "udp" }], 1n, { json: () => {} });
  const [a0, b0] = meter.snapshot().targets.map((t) => t.generation);
  assert.ok(a0 > 0 && b0 > 0 && a0 !== b0, `two slots, two numbers: ${a0}, ${b0}`);
  await meter.replaceTarget(0, { ...json, maxflows: 50 });
  const [a1, b1] = meter.snapshot().targets.map((t) => t.generation);
  assert.ok(a1 !== a0 && a1 !== b0, `slot 0 made anew: a new number (${a0} → ${a1})`);
  assert.equal(b1, b0, "slot 1 untouched");
  await meter.replaceTarget(1, undefined);
  await meter.addTargetBetweenWalks(1, json);
  const [a2, b2] = meter.snapshot().targets.map((t) => t.generation);
  assert.equal(a2, a1);
  assert.ok(![a0, b0, a1].includes(b2), `slot 1 removed and added again: a number not given before (${b2})`);
});

test("window rates: a window from an idle reading just before starts no earlier than its growth can have begun (since), and no later than one window back", () => {
  const r = new WindowRate();
  r.add(10, 1000n);
  r.add(13, 1000n); // idle: the clock moved on, the counter not
  r.add(15.95, 2101n, 15.4 - 0.55 / 1100); // 1101 packets from 15.4 to 15.95, evenly
  const [one, min] = r.rates();
  assert.ok(Math.abs(one - 1101) < 1e-6, `1 s: the 1101 packets of the second 14.95-15.95 (not 2000: their own rate over 0.55 s; not 373: over 2.95 s), ${one}`);
  assert.equal(min, 1101 / (15.95 - 10), "1 min: from the oldest reading within it, the idle time counted in");
  r.add(16.95, 4101n, 15.95 - 1 / 1999); // steady: since is before the reading before, which stands
  assert.equal(r.rates()[0], 2000);
  // a pause after a reading with traffic is the traffic's own: the window keeps it
  r.add(17.95, 5101n, 17.45 - 0.5 / 999); // 1000 packets from 17.45 on, none in the half second before
  assert.equal(r.rates()[0], 1000, "from the reading at 16.95, not from 17.45");
});

test("registry: live, the first 1-s rate after an idle spell over 2 s is the packets of that second (the window starts at the first packet after it, at most one window back), not spread from the spell's last tick 2 s behind; a burst is its count per second", () => {
  // ticks at wall times 1, 2, …; the rings' lag 2 s; 2000 packets/s until 10.0, idle, again from 15.4
  const { m, reg } = scripted({ kind: "wall time" });
  Object.assign(m, { clockNs: ns(9), packets: 18001n, bytes: 1800100n, firstNs: ns(8.0005) });
  reg.tick();
  Object.assign(m, { clockNs: ns(10), packets: 20001n, bytes: 2000100n, firstNs: ns(9.0005) });
  let s = reg.tick();
  assert.deepEqual(s.rates.packets.slice(0, 1), [2000]);
  // idle: the clock stays at the last packet (10.0) until the tick's time less 2 s passes it
  for (const w of [11, 12, 13, 14, 15]) {
    Object.assign(m, { clockNs: ns(Math.max(10, w - 2)), firstNs: 0n });
    s = reg.tick();
  }
  assert.equal(s.rates.packets[0], 0, "idle: the 1-s rate fell to 0");
  // packets again from 15.4, every 0.5 ms; the tick at 16 has them up to 15.95 (1101 packets)
  Object.assign(m, { clockNs: ns(15.95), packets: 20001n + 1101n, bytes: 2000100n + 110100n, lookups: 1101n, probes: 1101n, firstNs: ns(15.4) });
  s = reg.tick();
  // the packets since 15.4 over the window 14.95-15.95: 1101 a second (from the spell's last
  // tick, 13, it was 1101 / 2.95 = 373; from the first packet, 0.55 s, 2000)
  assert.ok(Math.abs(s.rates.packets[0] - 1101) < 1e-6, `the first 1-s rate after the spell: ${s.rates.packets[0]}`);
  assert.ok(Math.abs(s.rates.bits[0] - 1101 * 800) < 1e-3, `bits too: ${s.rates.bits[0]}`);
  assert.ok(Math.abs(s.targets[0].packetRates[0] - 1101) < 1e-6, `the target's: ${s.targets[0].packetRates[0]}`);
  // the next tick, steady: from the tick before as always
  Object.assign(m, { clockNs: ns(16.95), packets: 21102n + 2000n, bytes: 2110200n + 200000n, firstNs: ns(15.9505) });
  s = reg.tick();
  assert.ok(Math.abs(s.rates.packets[0] - 2000) < 1e-6, `${s.rates.packets[0]}`);
  // a burst after a spell: 2 packets 1 ms apart are 2 packets in that second, not 1000/s
  const b = scripted({ kind: "wall time" });
  Object.assign(b.m, { clockNs: ns(10), packets: 100n, bytes: 10000n, firstNs: ns(9.5) });
  b.reg.tick();
  for (const w of [11, 12, 13, 14]) {
    Object.assign(b.m, { clockNs: ns(Math.max(10, w - 2)), firstNs: 0n });
    b.reg.tick();
  }
  Object.assign(b.m, { clockNs: ns(14.201), packets: 102n, bytes: 10200n, firstNs: ns(14.2) });
  const burst = b.reg.tick();
  assert.equal(burst.rates.packets[0], 2, `a burst of 2 after a spell: ${burst.rates.packets[0]}`);
  assert.equal(burst.rates.bits[0], 1600);
  // a file (no first packet time): as before, from the tick before
  const f = scripted({ kind: "packet time" });
  Object.assign(f.m, { clockNs: ns(13), packets: 1000n });
  f.reg.tick();
  Object.assign(f.m, { clockNs: ns(15.95), packets: 2101n });
  assert.equal(f.reg.tick().rates.packets[0], 1101 / (15.95 - 13));
});
