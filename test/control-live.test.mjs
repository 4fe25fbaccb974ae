// The control socket against a live capture in a namespace (prefix ctl): dump-flows lists the
// flows the replayed capture left active; after send-templates and expire-all the datagrams
// arrive at the collector's port within a second (dumpcap on the namespace's loopback, decoded
// by tshark: nfcapd writes only when it rotates or stops); shutdown exports and exits 0.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { cli, parseFlows, key } from "./helpers/run.mjs";
import { freePort, startNfcapd } from "./helpers/collector.mjs";
import { withVeth, startLive, replay, oracleOf } from "./helpers/live.mjs";
import { until } from "./helpers/netns.mjs";

const ctl = (...args) => spawnSync(process.execPath, [cli, ...args], { encoding: "utf8" });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const NAME = "zeek--ssh--ssh.pcap";

test("live: dump-flows, send-templates (its answer), expire-all (datagrams within 1 s), mode 0600, a second flowprobe refused, shutdown", async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), "ctl-live-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const sock = path.join(dir, "fp.sock");
  await withVeth("ctl", async (ns) => {
    const port = freePort();
    const nf = await startNfcapd(port, ns);
    const run = await startLive(ns, ["-i", "fp0", "--promisc", "-d", `127.0.0.1:${port}`, "--protocol", "10", "--control", sock, "--inactive-timeout", "300"]);
    try {
      assert.equal(statSync(sock).mode & 0o777, 0o600);
      replay(ns, "fp1", NAME, 4000);
      const { oracle } = oracleOf(NAME);
      let stat;
      await until(() => {
        const r = ctl("stat", "--json", "--control", sock);
        stat = r.status === 0 ? JSON.parse(r.stdout).stat : undefined;
        return stat && stat.meter.metered === oracle.ip_packets;
      }, 10000, `every packet metered: ${run.stderr}`);
      assert.equal(stat.rates.clock, "wall time");
      assert.equal(stat.input.kind, "live");
      const active = stat.meter.active;
      assert.ok(active > 0, "the replay leaves flows active (inactive timeout 300 s)");
      // dump-flows: the flows the capture has active, each one of the capture's
      const dumped = parseFlows(ctl("ctl", "dump-flows", "--control", sock).stdout);
      assert.equal(dumped.length, active);
      const known = new Set(oracle.flows.map((f) => key(f.src, f.dst, f.proto, f.sport, f.dport)));
      for (const f of dumped) assert.ok(known.has(key(f.src_addr, f.dst_addr, Number(f.proto), Number(f.src_port), Number(f.dst_port))), `dumped flow ${f.src_addr}:${f.src_port} → ${f.dst_addr}:${f.dst_port} is the capture's`);
      // a second flowprobe on the path refuses to start
      const second = spawnSync(process.execPath, [cli, "-r", path.join(path.dirname(cli), "..", "test", "fixtures", "pcaps", NAME), "--control", sock], { encoding: "utf8" });
      assert.equal(second.status, 2);
      assert.match(second.stderr, /another flowprobe is running with this control socket/);
      // the collector's loopback, recorded; templates asked for, then every flow expired
      const pcap = path.join(dir, "lo.pcapng");
      const dump = ns.spawn("dumpcap", ["-q", "-i", "lo", "-f", `udp dst port ${port}`, "-w", pcap], { stdio: "ignore" });
      await until(() => existsSync(pcap) && statSync(pcap).size > 0, 5000, "dumpcap started");
      await sleep(300);
      assert.match(ctl("ctl", "send-templates", "--control", sock).stdout, /to 1 collectors/);
      const asked = Date.now();
      const ex = ctl("ctl", "expire-all", "--json", "--control", sock);
      assert.equal(ex.status, 0, ex.stderr);
      assert.equal(JSON.parse(ex.stdout).expired, active);
      await sleep(Math.max(0, 1000 - (Date.now() - asked)));
      dump.kill("SIGINT");
      await new Promise((r) => dump.on("close", r));
      const decoded = spawnSync("tshark", ["-r", pcap, "-d", `udp.port==${port},cflow`, "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=,", "-e", "cflow.srcaddr"], { encoding: "utf8" });
      assert.equal(decoded.status, 0, decoded.stderr);
      const records = decoded.stdout.split(/[\n,]/).filter(Boolean);
      assert.equal(records.length, active, `the expired flows' records within 1 s of expire-all: ${decoded.stdout}`);
      assert.deepEqual(records.sort(), dumped.map((f) => f.src_addr).sort());
      // shutdown: as SIGTERM
      assert.match(ctl("ctl", "shutdown", "--control", sock).stdout, /shutting down/);
      await until(() => run.child.exitCode !== null, 20000, "exit after shutdown");
      assert.equal(run.child.exitCode, 0, run.stderr);
      assert.ok(!existsSync(sock), "removed at exit");
      const { flows } = await nf.stop();
      const exported = Number(/flows exported ([\d,]+)/.exec(run.stderr)[1].replace(/,/g, ""));
      assert.equal(flows.length, exported, "nfcapd got every flow the summary says");
    } finally {
      run.child.kill("SIGKILL");
      nf.kill();
    }
  });
});
