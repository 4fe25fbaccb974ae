// Flood detection live, on a router the test builds: client — router — server namespaces
// (prefix fld13), forwarding on, flowprobe capturing on the router's LAN side. The client
// floods one UDP flow at 20,000 packets/s, then opens TCP connections from 1500 ports (a SYN
// each) to a closed port of the server. Both alerts must come within 2 s of their traffic,
// once per holdoff; an action script gets exactly the flooding address; with the nft set as
// the action (run the documented way after --user: a copy of nft with CAP_NET_ADMIN as a file
// capability, docs/flood.md), the router drops the source afterwards: the counter of its
// forwarded packets stops growing while it still sends.
import { test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { tmpdir } from "node:os";
import path from "node:path";
import { startLive } from "./helpers/live.mjs";
import { makeNs, until } from "./helpers/netns.mjs";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// the client's traffic: a UDP flood of `seconds` at 20 kpps (100 datagrams every 5 ms), then
// `syns` connection attempts to a closed port, each from its own ephemeral port
const CLIENT = `
const dgram = require("node:dgram"), net = require("node:net");
const [seconds, syns] = process.argv.slice(1).map(Number);
const s = dgram.createSocket("udp4");
const payload = Buffer.alloc(18);
const end = Date.now() + seconds * 1000;
let sent = 0;
const start = Date.now();
const tick = () => {
  const due = Math.floor(((Date.now() - start) / 1000) * 20000);
  for (; sent < due; sent++) s.send(payload, 9999, "192.0.2.2");
  if (Date.now() < end) setTimeout(tick, 5); else { s.close(); scan(); }
};
const scan = () => {
  console.log("scan");
  let left = syns;
  for (let i = 0; i < syns; i++) {
    const c = net.connect({ host: "192.0.2.2", port: 9 });
    c.on("error", () => {}); c.on("close", () => { if (--left === 0) process.exit(0); });
    setTimeout(() => c.destroy(), 2000);
  }
};
console.log("flood");
tick();
`;

async function withRouter(fn) {
  const C = makeNs("fld13-c"), R = makeNs("fld13-r"), S = makeNs("fld13-s");
  try {
    R.veth("r-lan", "c0", { peerNs: C, mtu: 1500 });
    R.veth("r-wan", "s0", { peerNs: S, mtu: 1500 });
    C.ip("addr", "add", "10.0.0.2/24", "dev", "c0");
    C.ip("route", "add", "default", "via", "10.0.0.1");
    R.ip("addr", "add", "10.0.0.1/24", "dev", "r-lan");
    R.ip("addr", "add", "192.0.2.1/24", "dev", "r-wan");
    S.ip("addr", "add", "192.0.2.2/24", "dev", "s0");
    S.ip("route", "add", "default", "via", "192.0.2.1");
    R.exec("sysctl", ["-qw", "net.ipv4.ip_forward=1"]);
    // the set an action fills, and a counter of what the router forwards from the client
    R.exec("nft", [
      "add table inet filter; add set inet filter flood { type ipv4_addr; flags timeout; }; add counter inet filter passed;" +
      " add chain inet filter forward { type filter hook forward priority 0; };" +
      " add rule inet filter forward ip saddr @flood drop;" +
      " add rule inet filter forward ip saddr 10.0.0.2 counter name passed",
    ]);
    return await fn({ C, R, S });
  } finally {
    for (const n of [C, R, S]) n.del();
  }
}

/** Packets the router forwarded from the client so far (nft's named counter). */
const passed = (R) => Number(/packets (\d+)/.exec(R.exec("nft", ["list", "counter", "inet", "filter", "passed"]))[1]);

/** The client's traffic; resolves the times (ms) its flood and its scan began, and its end. */
function client(C, seconds, syns) {
  const child = C.spawn(process.execPath, ["-e", CLIENT, String(seconds), String(syns)], { stdio: ["ignore", "pipe", "pipe"] });
  const times = {};
  child.stdout.on("data", (d) => { for (const w of String(d).split("\n").filter(Boolean)) times[w] = Date.now(); });
  times.done = new Promise((r) => child.on("close", r));
  return times;
}

test("live: a 20 kpps UDP flow and a SYN scan through a router: both alerts within 2 s, once per holdoff; the action gets exactly the flooding address", { timeout: 120000 }, async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "fld13-live-"));
  try {
    const out = path.join(dir, "args.txt");
    const script = path.join(dir, "action.sh");
    writeFileSync(script, `#!/bin/sh\necho "$@" >> '${out}'\n`);
    chmodSync(script, 0o755);
    await withRouter(async ({ C, R }) => {
      const run = await startLive(R, ["-i", "r-lan", "--flood-pps", "5000", "--flood-new-flows", "500", "--flood-action", `${script} {addr} {kind}`]);
      const seen = {};
      const watch = setInterval(() => {
        for (const [k, re] of [["pps", /source 10\.0\.0\.2 sent 5001 packets in [\d.]+ s \(\d+\/s\) in one flow \(pps\): udp 10\.0\.0\.2:\d+ > 192\.0\.2\.2:9999/], ["new-flows", /source 10\.0\.0\.2 created \d+ new flows in [\d.]+ s \(\d+\/s\) \(new-flows\)/]]) {
          if (seen[k] === undefined && re.test(run.stderr)) seen[k] = Date.now();
        }
      }, 10);
      const t = client(C, 4, 1500);
      await t.done;
      await sleep(2200);
      clearInterval(watch);
      await run.stop();
      assert.equal(run.code, 0, run.stderr);
      assert.ok(seen.pps !== undefined && seen["new-flows"] !== undefined, `${JSON.stringify(seen)} ${JSON.stringify(t)}: ${run.stderr}`);
      assert.ok(seen.pps - t.flood <= 2000, `the pps alert came ${seen.pps - t.flood} ms after the flood began`);
      assert.ok(seen["new-flows"] - t.scan <= 2000, `the new-flows alert came ${seen["new-flows"] - t.scan} ms after the scan began`);
      // four seconds of flood, held off for 60 s: logged once; its rate within a factor of two of
      // the 20,000/s sent (the count of the second it crossed the limit in)
      const pps = run.stderr.split("\n").filter((l) => l.includes("(pps)"));
      assert.equal(pps.length, 1, run.stderr);
      const rate = Number(/\((\d+)\/s\)/.exec(pps[0])[1]);
      assert.ok(rate > 10000 && rate < 40000, pps[0]);
      assert.equal(run.stderr.split("\n").filter((l) => l.includes("(new-flows)")).length, 1, run.stderr);
      assert.match(run.stderr, /flood alerts \d+ \(pps [2-9]\d*, new-flows [1-9]\d*\): logged 2, held off \d+, lost 0; --flood-action run 2 \(failed 0\)/);
      assert.equal(readFileSync(out, "utf8"), "10.0.0.2 pps\n10.0.0.2 new-flows\n");
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("live: the nft set as the action, after --user through a copy of nft with CAP_NET_ADMIN: the router drops the source afterwards", { timeout: 120000 }, async () => {
  // the documented helper (docs/flood.md): nft, executable by the run user, with the one capability it needs
  const dir = mkdtempSync(path.join(tmpdir(), "fld13-nft-"));
  chmodSync(dir, 0o755);
  try {
    const nft = path.join(dir, "nft");
    copyFileSync("/usr/sbin/nft", nft);
    chmodSync(nft, 0o755);
    execFileSync("setcap", ["cap_net_admin+ep", nft]);
    await withRouter(async ({ C, R }) => {
      const run = await startLive(R, ["-i", "r-lan", "--user", "nobody", "--flood-pps", "5000", "--flood-action", `${nft} add element inet filter flood { {addr} timeout 10m }`], /running as nobody/);
      const t = client(C, 6, 0);
      await until(() => /flood action .* for 10\.0\.0\.2 \(pps, target default\): exit/.test(run.stderr), 5000, `the action: ${run.stderr}`);
      assert.match(run.stderr, /flood action \S+nft for 10\.0\.0\.2 \(pps, target default\): exit 0/, run.stderr);
      assert.match(R.exec("nft", ["list", "set", "inet", "filter", "flood"]), /elements = \{ 10\.0\.0\.2 /);
      await sleep(200);
      const a = passed(R);
      assert.ok(a > 5000, `the router forwarded the flood before the set had it (${a} packets)`);
      await sleep(1500);
      const b = passed(R);
      assert.equal(b, a, "nothing more from the source passes the router while it still sends");
      // and flowprobe goes on capturing meanwhile (only that it still runs is checked here)
      assert.ok(run.child.exitCode === null);
      await t.done;
      await run.stop();
      assert.equal(run.code, 0, run.stderr);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
