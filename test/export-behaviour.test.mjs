// Export behaviour a collector can check: SIGTERM exports what was metered, NetFlow v5's
// 32-bit counters split a huge flow instead of wrapping, and NetFlow's 32-bit uptime
// restarts its epoch instead of wrapping — each read back through nfcapd/nfdump.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { flowprobe, cli } from "./helpers/run.mjs";
import { startNfcapd, nfdumpTimeMs } from "./helpers/collector.mjs";
import * as P from "./helpers/packets.mjs";

function tempCapture(bytes) {
  const dir = mkdtempSync(path.join(tmpdir(), "fp-cap-"));
  const file = path.join(dir, "t.pcap");
  writeFileSync(file, bytes);
  return { file, done: () => rmSync(dir, { recursive: true, force: true }) };
}

const sum = (flows, k) => flows.reduce((n, f) => n + BigInt(f[k]), 0n);

test("SIGTERM: reading stops, every flow metered so far reaches the collector, exit 0", async () => {
  // 20,000 flows paced at 400 datagrams/s take seconds to export: SIGTERM lands mid-file
  const packets = [];
  for (let i = 0; i < 60000; i++) {
    const id = i % 20000;
    packets.push({ ts: [1700000000 + Math.floor(i / 1000), (i % 1000) * 1000],
      data: P.eth(P.ETH_IPV4, P.ipv4(P.udp(1024 + (id % 60000), 53), { proto: 17, src: `10.${id >> 8}.${id & 255}.1` })) });
  }
  const cap = tempCapture(P.pcapFile(1, packets));
  const nf = await startNfcapd();
  try {
    const child = spawn(process.execPath, [cli, "-r", cap.file, "-d", `127.0.0.1:${nf.port}`, "--export-rate", "400", "--seed", "1"], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    const exit = new Promise((resolve) => child.on("close", (code) => resolve(code)));
    await new Promise((r) => setTimeout(r, 700));
    child.kill("SIGTERM");
    const code = await exit;
    const { flows } = await nf.stop();
    assert.equal(code, 0, stderr);
    assert.match(stderr, /SIGTERM: stopped reading; exporting every active flow/);
    const metered = BigInt(/metered ([\d,]+)/.exec(stderr)[1].replace(/,/g, ""));
    assert.ok(metered > 0n && metered < 60000n, `metered ${metered}: SIGTERM should land mid-file`);
    assert.equal(sum(flows, "in_packets"), metered, "every metered packet reached the collector");
  } finally {
    cap.done();
  }
});

test("NetFlow v5: a flow past 2^32 bytes is exported early and goes on as a new flow; nothing wraps", async () => {
  const ipLen = 65000;
  const count = 70000; // 4.55 GB in one flow
  const head = P.ipv4(P.udp(5000, 6000), { proto: 17, totalLength: ipLen });
  const frame = P.eth(P.ETH_IPV4, head);
  const packets = Array.from({ length: count }, (_, i) => ({ ts: [1700000000, i * 10], data: frame, wire: 14 + ipLen }));
  const cap = tempCapture(P.pcapFile(1, packets, { snaplen: 65535 }));
  const nf = await startNfcapd();
  try {
    const r = flowprobe(["-r", cap.file, "-d", `127.0.0.1:${nf.port}`, "--protocol", "5", "--seed", "1"]);
    const { flows } = await nf.stop();
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /flows exported early before a 32-bit counter of the format overflowed: 1/);
    assert.equal(flows.length, 2);
    assert.equal(sum(flows, "in_packets"), BigInt(count));
    assert.equal(sum(flows, "in_bytes"), BigInt(count) * BigInt(ipLen));
    for (const f of flows) assert.ok(BigInt(f.in_bytes) < 2n ** 32n);
  } finally {
    cap.done();
  }
});

for (const protocol of ["5", "9"]) {
  test(`NetFlow v${protocol}: flows 60 days apart (past the 32-bit uptime) keep their times: a new uptime epoch`, async () => {
    const t0 = 1600000000;
    const later = t0 + 60 * 86400;
    const cap = tempCapture(P.pcapFile(1, [
      { ts: [t0, 250000], data: P.eth(P.ETH_IPV4, P.ipv4(P.udp(1, 2), { proto: 17 })) },
      { ts: [later, 750000], data: P.eth(P.ETH_IPV4, P.ipv4(P.udp(3, 4), { proto: 17 })) },
    ]));
    const nf = await startNfcapd();
    try {
      const r = flowprobe(["-r", cap.file, "-d", `127.0.0.1:${nf.port}`, "--protocol", protocol, "--seed", "1"]);
      const { flows, log } = await nf.stop();
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stderr, /NetFlow uptime epoch restarted \(capture longer than 49\.7 days\): 1/);
      const firsts = flows.map((f) => nfdumpTimeMs(f.first)).sort();
      assert.deepEqual(firsts, [BigInt(t0) * 1000n + 250n, BigInt(later) * 1000n + 750n], log);
    } finally {
      cap.done();
    }
  });
}
