// The export pacer, on a fake clock: a rate with bounded bursts, and no catch-up burst
// after the sender was busy metering.
import { test } from "node:test";
import assert from "node:assert/strict";
import { lib } from "./helpers/meter.mjs";

function fake() {
  const c = { t: 0, slept: [] };
  c.now = () => c.t;
  c.sleep = async (ms) => {
    c.slept.push(ms);
    c.t += ms;
  };
  return c;
}

test("pacer: a burst goes at once, more waits for the rate", async () => {
  const c = fake();
  const p = new lib.Pacer(1000, 4, c.now, c.sleep); // 1 per ms, bursts of 4
  await p.take(4);
  assert.deepEqual(c.slept, []);
  await p.take(4);
  assert.deepEqual(c.slept, [4]);
  await p.take(2);
  assert.deepEqual(c.slept, [4, 2]);
});

test("pacer: a long pause gives no more than one burst of credit", async () => {
  const c = fake();
  const p = new lib.Pacer(1000, 4, c.now, c.sleep);
  await p.take(4);
  c.t += 10_000; // ten seconds busy metering
  await p.take(4);
  assert.deepEqual(c.slept, []);
  await p.take(8); // not 10,000 datagrams of credit: 8 more wait 8 ms
  assert.deepEqual(c.slept, [8]);
});

test("pacer: rate 0 never waits", async () => {
  const c = fake();
  const p = new lib.Pacer(0, 4, c.now, c.sleep);
  await p.take(1_000_000);
  assert.deepEqual(c.slept, []);
});
