// flowDirection (IPFIX IE 61, NetFlow v9 DIRECTION) keeps its IANA meaning: 0 for a flow seen
// arriving at the observation point, 1 for one seen leaving (Linux PACKET_OUTGOING: live with
// --direction both, or a Linux cooked capture's packet type) — and then the capturing
// interface is its output, not its input. Read back by nfdump from a real nfcapd.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { flowprobe } from "./helpers/run.mjs";
import { startNfcapd } from "./helpers/collector.mjs";
import * as P from "./helpers/packets.mjs";

const PACKET_HOST = 0, PACKET_OUTGOING = 4;

for (const [protocol, label] of [["10", "IPFIX"], ["9", "NetFlow v9"]]) {
  test(`${label} → nfcapd: a flow seen leaving has direction 1 (egress) and the capturing interface as output; one arriving, 0 and it as input`, async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "fp-dir-"));
    const nf = await startNfcapd();
    try {
      const udp = (sport, src, dst) => P.ipv4(P.udp(sport, 53), { proto: 17, src, dst });
      const file = path.join(dir, "sll2.pcap");
      writeFileSync(file, P.pcapFile(276, [
        { ts: [1700000000, 0], data: P.sll2(P.ETH_IPV4, 5, udp(1111, "10.0.0.1", "192.0.2.9"), PACKET_OUTGOING) },
        { ts: [1700000000, 1000], data: P.sll2(P.ETH_IPV4, 5, udp(2222, "192.0.2.9", "10.0.0.1"), PACKET_HOST) },
      ]));
      const r = flowprobe(["-r", file, "--seed", "1", "-d", `127.0.0.1:${nf.port}`, "--protocol", protocol]);
      assert.equal(r.status, 0, r.stderr);
      const { flows } = await nf.stop();
      const by = new Map(flows.map((f) => [f.src_port, [f.direction, f.input_snmp, f.output_snmp]]));
      assert.deepEqual(by.get(1111), [1, 0, 5], "leaving: egress, output = the capturing interface");
      assert.deepEqual(by.get(2222), [0, 5, 0], "arriving: ingress, input = the capturing interface");
    } finally {
      nf.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
