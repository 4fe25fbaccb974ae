// The registry's rates and moving averages on an injected clock: exact values for a scripted
// sequence of readings (src/stats/rates.ts), and the registry's figures from a real meter.
import { test } from "node:test";
import assert from "node:assert/strict";
import { lib } from "./helpers/meter.mjs";

const { WindowRate, MovingAverage, TrafficRates, StatsRegistry, jsonOf } = lib;

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

test("registry: rates, search metric and cache figures on an injected clock; JSON keeps 64-bit integers exact", () => {
  let now = 1000;
  let metered = 0n;
  let bytes = 0n;
  let lookups = 0n;
  let probes = 0n;
  const target = { packets: 0n, exported: new Map(), exportedTotal: 0n, created: 0n, active: 3, peak: 5, maxflows: 100, indexSize: 16, indexMax: 64, cacheBytes: 4096 };
  const meter = { snapshot: () => ({ metered, bytes, lookups, probes, clockNs: 0n, targets: [{ ...target, packets: metered, bytes, lookups, probes }], destinationRecords: [], destinationTemplates: [] }) };
  let seconds = 0;
  const reg = new StatsRegistry({
    meter, source: { label: "x", statistics: () => ({ kind: "file", bytes: 0, size: 0 }) }, destinations: [],
    targets: [{ name: "t", title: "JSON lines", mode: "mirror", destinations: [], memoryReserved: 9999 }],
    clockSteps: () => 0, labels: { skipped: [], ended: [] }, seconds: () => seconds, rateClock: { kind: "wall time", now: () => now },
  });
  reg.read();
  now += 1; seconds += 1; metered = 500n; bytes = 50000n; lookups = 500n; probes = 600n;
  let s = reg.read();
  assert.deepEqual(s.rates, { clock: "wall time", packets: [500, 500, 500], bits: [400000, 400000, 400000] });
  assert.deepEqual(s.targets[0].packetRates, [500, 500, 500]);
  assert.deepEqual(s.targets[0].bitRates, [400000, 400000, 400000], "the target's bits/s: its bytes × 8 over the same windows");
  assert.equal(s.search.metric, 1.2);
  assert.deepEqual(s.targets[0].search, { lookups: 500n, probes: 600n, metric: 1.2, averages: [1.2, 1.2, 1.2] }, "the target's own search metric");
  assert.deepEqual(s.search.averages, [1.2, 1.2, 1.2]);
  assert.deepEqual(s.targets[0].cache, { active: 3, peak: 5, peakAtS: 0, maxflows: 100, indexSize: 16, indexMax: 64, indexFill: 3 / 16, memoryInUse: 4096, memoryReserved: 9999 });
  now += 60; seconds += 60; lookups += 100n; probes += 100n; target.peak = 7;
  s = reg.read();
  assert.equal(s.search.metric, 1);
  assert.deepEqual(s.targets[0].search, s.search, "one target: its search metric is the process's");
  assert.deepEqual(s.search.averages, [1.2 * Math.exp(-1) + (1 - Math.exp(-1)), 1.2 * Math.exp(-0.2) + (1 - Math.exp(-0.2)), 1.2 * Math.exp(-60 / 900) + (1 - Math.exp(-60 / 900))]);
  assert.equal(s.targets[0].cache.peakAtS, 61, "the reading that first saw the new peak");
  metered = 2n ** 63n + 1n;
  s = reg.read();
  assert.match(jsonOf(s.meter), /"metered":9223372036854775809\b/);
});

test("registry: a target whose core counters a reload made anew starts its rates again (no negative rate); its search metric skips the drop", () => {
  let now = 100;
  const t = { packets: 0n, bytes: 0n, lookups: 0n, probes: 0n, exported: new Map(), exportedTotal: 0n, created: 0n, active: 0, peak: 0, maxflows: 10, indexSize: 16, indexMax: 16, cacheBytes: 0 };
  const meter = { snapshot: () => ({ metered: t.packets, bytes: t.bytes, lookups: t.lookups, probes: t.probes, clockNs: 0n, targets: [{ ...t }], destinationRecords: [], destinationTemplates: [] }) };
  const reg = new StatsRegistry({
    meter, source: { label: "x", statistics: () => ({ kind: "file", bytes: 0, size: 0 }) }, destinations: [],
    targets: [{ name: "t", title: "JSON lines", mode: "mirror", destinations: [] }],
    clockSteps: () => 0, labels: { skipped: [], ended: [] }, seconds: () => 0, rateClock: { kind: "wall time", now: () => now },
  });
  reg.read();
  now += 1; Object.assign(t, { packets: 1000n, bytes: 100000n, lookups: 1000n, probes: 1500n });
  let s = reg.read();
  assert.deepEqual(s.targets[0].bitRates, [800000, 800000, 800000]);
  assert.equal(s.targets[0].search.metric, 1.5);
  // the reload: the target's slot counts from zero again
  now += 1; Object.assign(t, { packets: 10n, bytes: 1000n, lookups: 10n, probes: 10n });
  s = reg.read();
  assert.deepEqual(s.targets[0].bitRates, [0, 0, 0], "one reading since the restart: no rate yet");
  assert.equal(s.targets[0].search.metric, 1.5, "a drop is no reading of the metric");
  now += 1; Object.assign(t, { packets: 110n, bytes: 11000n, lookups: 110n, probes: 130n });
  s = reg.read();
  assert.deepEqual(s.targets[0].bitRates, [80000, 80000, 80000]);
  assert.deepEqual(s.targets[0].packetRates, [100, 100, 100]);
  assert.equal(s.targets[0].search.metric, 1.2);
});
