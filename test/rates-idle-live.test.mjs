// The first 1-s rate after an idle spell, live (namespace prefix fxq): tcpreplay sends a steady
// 2000 packets/s for 1 s into a veth, stops for 5 s (longer than the rings' 2-s lag plus a tick,
// so the spell's last ticks stand at their time less 2 s), then sends again for 3 s; `stat
// --json` is read every 50 ms. The rate is 0 in the spell's last second; the first non-zero
// 1-s rate after it is the packets of the second before it (its window starts at the first
// packet after the spell, at most one window back): more than a tenth of 2000 and never above
// it — from the spell's last tick, ~3 s before, it read 225..658; the ones after it within 5%.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fixtures } from "./helpers/run.mjs";
import { withVeth, startLive } from "./helpers/live.mjs";
import { connect } from "./helpers/control.mjs";

const FILE = path.join(fixtures, "pcaps", "zeek--tunnels--Teredo.pcap"); // 78 frames, every one IP
const PPS = 2000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));


test("live (namespace fxq): after a 5-s idle spell the first 1-s rate is the packets of that second (never above the steady 2000 packets/s), the next ones within 5%", async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), "fxq-idle-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const sock = path.join(dir, "fp.sock");
  await withVeth("fxq", async (ns) => {
    const run = await startLive(ns, ["-i", "fp0", "--promisc", "--control", sock]);
    t.after(() => run.child.kill("SIGKILL"));
    assert.equal(run.child.exitCode, null, run.stderr);
    const stats = await connect(sock);
    t.after(() => stats.close());
    const samples = [];
    let done = false;
    const started = Date.now();
    const poll = (async () => {
      while (!done) {
        const a = await stats.ask({ cmd: "stat", json: true });
        assert.equal(a.ok, true, JSON.stringify(a));
        samples.push({ at: Date.now() - started, rate: a.stat.rates.packets[0] });
        await sleep(50);
      }
    })();
    const burst = (loops) => new Promise((resolve) => ns.spawn("tcpreplay", ["-q", "-i", "fp1", "--pps", String(PPS), "--loop", String(loops), FILE], { stdio: "ignore" }).on("exit", resolve));
    assert.equal(await burst(26), 0, "tcpreplay, the first second (26 loops of 78 frames)");
    await sleep(5000);
    const again = Date.now() - started;
    assert.equal(await burst(77), 0, "tcpreplay, the 3 s after the spell");
    await sleep(1000);
    done = true;
    await poll;
    const rates = (from, to) => samples.filter((s) => s.at >= from && s.at < to).map((s) => s.rate);
    t.diagnostic(`1-s rates (ms: packets/s), distinct: ${samples.filter((s, k) => k === 0 || s.rate !== samples[k - 1].rate).map((s) => `${s.at}: ${s.rate.toFixed(1)}`).join("; ")}`);
    // (the rates fall to 0 some 3 to 3.2 s after the last packet: the 2-s lag, one tick, the window)
    assert.ok(rates(again - 1000, again).every((r) => r === 0), `the rate fell to 0 in the spell: ${rates(again - 1000, again)}`);
    const first = samples.find((s) => s.at >= again && s.rate > 0);
    assert.ok(first, "a rate after the spell");
    // the first is the packets of the second before it (part of it idle): never more than the
    // pps (spread over the spell's last tick, 2 s behind, it read 225 to 658 for 2000)
    assert.ok(first.rate > 0.1 * PPS && first.rate <= 1.05 * PPS, `the first 1-s rate after the spell, at ${first.at - again} ms: ${first.rate}, at most ${PPS}`);
    // and the steady ones after it, while the burst lasts (as the proof's)
    const steady = samples.filter((s) => s.at >= first.at + 1100 && s.at <= again + 2900);
    assert.ok(steady.length > 0 && steady.every((s) => Math.abs(s.rate - PPS) <= 0.05 * PPS), `steady after: ${steady.map((s) => s.rate)}`);
    await run.stop();
    assert.equal(run.code, 0, run.stderr);
  });
});
