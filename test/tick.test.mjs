// The host tick of a file run (src/tick.ts, HostTick): host work only — it reads the
// statistics registry and never ages the meter, so a file's output follows packet time
// alone, however often it ticks and however long the stream waits between its pieces.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import path from "node:path";
import { cli, root } from "./helpers/run.mjs";
import { T0, pcapHeader, phase } from "./helpers/stream.mjs";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const launcher = path.join(root, "test", "helpers", "flowprobe-app.cjs");

/** Streams three phases into `-r -`, pausing between them; returns stdout, stderr and the exit status. */
async function streamed(cmd, args) {
  const child = spawn(process.execPath, [...cmd, "-r", "-", "--seed", "7", ...args], { stdio: ["pipe", "pipe", "pipe"] });
  let out = "", err = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (err += d));
  const exit = new Promise((resolve) => child.on("close", resolve));
  child.stdin.write(Buffer.concat([pcapHeader(), phase(T0, 20)]));
  await sleep(300); // (ticks every 5 ms here: dozens of them while the stream is quiet)
  child.stdin.write(phase(T0 + 5, 10)); // 5 s later in packet time: the first phase is still active
  await sleep(300);
  child.stdin.end(phase(T0 + 100, 5)); // the first two phases idle now
  const code = await exit;
  return { out, err, code };
}

test("a file's host tick never ages its flows: ticking every 5 ms, a paused stream gives the flows of the command line", async () => {
  const plain = await streamed([cli], []);
  const ticked = await streamed([launcher, JSON.stringify({ tickMs: 5 })], []);
  assert.equal(plain.code, 0, plain.err);
  assert.equal(ticked.code, 0, ticked.err);
  assert.equal(ticked.out, plain.out);
  assert.equal(ticked.out.split("\n").filter(Boolean).length, 35);
  // the summary and SIGUSR1's statistics read the registry the tick keeps: the same figures
  const figures = (t) => t.replace(/ in [\d.]+ s, [\d.]+ (k |M )?packets\/s/, "").replace(/in use [\d.]+ MiB/, "");
  assert.equal(figures(ticked.err), figures(plain.err));
  assert.match(ticked.err, /flows exported 35: idle timeout 30, active timeout 0, TCP FIN\/RST 0, forced end 5/);
});
