// Many collectors on one target: the output region keeps room for what one packet may make
// every collector receive (assembly/output/units.ts), not for a queue of packets, so 40
// collectors at MTU 1400 and 8 at MTU 9000 work — each a Debian nfcapd on its own port of
// loopback, and each decodes every flow of the capture: the same 5-tuples, packets and bytes
// as flowprobe's own JSON lines of it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { flowprobe, parseFlows, canon } from "./helpers/run.mjs";
import { startNfcapd, freePort } from "./helpers/collector.mjs";
import * as P from "./helpers/packets.mjs";

/** A capture of 300 flows (IPv4 TCP and UDP, IPv6 UDP), a few packets each. */
function capture() {
  const packets = [];
  for (let i = 0; i < 300; i++) {
    const v6 = i % 5 === 0;
    const l4 = i % 3 === 0 ? P.udp(1000 + i, 53) : P.tcp(2000 + i, 443, 0x10, Buffer.alloc(i % 40));
    const proto = i % 3 === 0 ? 17 : 6;
    const ip = v6 ? P.ipv6(l4, { nh: proto, src: `2001:db8::${(i + 1).toString(16)}` }) : P.ipv4(l4, { proto, src: `10.0.${i >> 8}.${i & 255}` });
    for (let k = 0; k < 1 + (i % 3); k++) packets.push({ ts: [1700000000 + k, i * 1000], data: P.eth(v6 ? P.ETH_IPV6 : P.ETH_IPV4, ip) });
  }
  packets.sort((a, b) => a.ts[0] - b.ts[0] || a.ts[1] - b.ts[1]);
  return P.pcapFile(1, packets);
}

const tally = (list) => list.map((f) => `${f.key}|${f.packets}|${f.bytes}`).sort();

for (const [count, mtu, protocol] of [[40, 1400, "10"], [8, 9000, "9"]]) {
  test(`${count} collectors at MTU ${mtu} (protocol ${protocol}): every one decodes every flow`, async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "fp-collectors-"));
    const file = path.join(dir, "flows.pcap");
    writeFileSync(file, capture());
    const collectors = [];
    try {
      let port = freePort();
      for (let i = 0; i < count; i++) {
        const nf = await startNfcapd(port);
        collectors.push(nf);
        port = freePort(port + 1);
      }
      const json = flowprobe(["-r", file, "--seed", "1"]);
      assert.equal(json.status, 0, json.stderr);
      const expected = tally(parseFlows(json.stdout).map((f) => ({ key: `${canon(f.src_addr)}|${canon(f.dst_addr)}|${f.proto}|${f.src_port}|${f.dst_port}`, packets: f.packets, bytes: f.bytes })));
      assert.equal(expected.length, 300);
      const r = flowprobe(["-r", file, "--seed", "1", "--protocol", protocol, "--mtu", String(mtu), "--export-rate", "0",
        "-d", collectors.map((c) => `127.0.0.1:${c.port}`).join(",")]);
      assert.equal(r.status, 0, r.stderr);
      const results = [];
      for (const c of collectors.splice(0)) results.push(await c.stop());
      for (const [i, { flows, log }] of results.entries()) {
        const got = tally(flows.map((f) => ({ key: `${canon(f.src4_addr ?? f.src6_addr)}|${canon(f.dst4_addr ?? f.dst6_addr)}|${f.proto}|${f.src_port}|${f.dst_port}`, packets: BigInt(f.in_packets), bytes: BigInt(f.in_bytes) })));
        assert.deepEqual(got, expected, `collector ${i}: ${log}`);
      }
    } finally {
      for (const c of collectors) c.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
