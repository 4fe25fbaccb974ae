// tshark (Debian's Wireshark, which nobody here wrote) decodes every IPFIX, NetFlow v9 and
// NetFlow v5 datagram of a run: no malformed packet, no expert item at warning level or above (sequence numbers
// included), template and data set lengths agree. The datagrams come straight from the
// meter and are wrapped into a capture file here, so no live capture is needed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { lib, meterBatch } from "./helpers/meter.mjs";
import { fixtures } from "./helpers/run.mjs";
import * as P from "./helpers/packets.mjs";

const PORT = 4739;

/** Meters a capture into export datagrams for `collectors` mirrored collectors; returns [dest, datagram][]. */
async function ipfixOf(file, { collectors = 2, refreshRate = 20, mtu = 1400, format = "ipfix" } = {}) {
  const got = [];
  const meter = new lib.Meter([{
    maxflows: 100000, hashsize: 262144, inactiveTimeoutS: 15, activeTimeoutS: 1800, format,
    export: { mtu, engineId: 7, refreshRate, templateTimeoutS: 1800, destinations: collectors },
  }], 1n, (bytes) => lib.forEachDatagram(bytes, (d, dg) => got.push([d, Buffer.from(dg)])));
  meter.setExportTime(1700000000);
  await lib.meterFile(meter, file);
  await meter.flush();
  return got;
}

function tshark(datagrams, dest) {
  const dir = mkdtempSync(path.join(tmpdir(), "fp-tshark-"));
  try {
    const pcap = path.join(dir, "ipfix.pcap");
    const packets = datagrams.filter(([d]) => d === dest).map(([, dg], i) => ({
      ts: [1700000000, i],
      data: P.eth(P.ETH_IPV4, P.ipv4(P.udp(40000, PORT, dg), { proto: 17, src: "127.0.0.1", dst: "127.0.0.1" })),
    }));
    writeFileSync(pcap, P.pcapFile(1, packets));
    const args = ["-n", "-r", pcap, "-d", `udp.port==${PORT},cflow`];
    const expert = spawnSync("tshark", [...args, "-q", "-z", "expert,warn"], { encoding: "utf8" });
    const fields = spawnSync("tshark", [...args, "-T", "fields", "-E", "separator=/t", "-e", "frame.number", "-e", "_ws.malformed",
      "-e", "cflow.sequence", "-e", "cflow.flowset_id", "-e", "cflow.flowset_length", "-e", "cflow.od_id"], { encoding: "utf8" });
    const verbose = spawnSync("tshark", [...args, "-V"], { encoding: "utf8", maxBuffer: 1 << 28 });
    return { expert: expert.stdout + expert.stderr, fields: fields.stdout, verbose: verbose.stdout, count: packets.length };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const CASES = ["zeek--http--methods.pcap", "zeek--ssh--ssh.pcap", "zeek--ip6_esp.pcap", "zeek--dhcp--dhcp_flood.pcap", "tcpdump--isup.pcap"];
const FORMATS = [["ipfix", "IPFIX", /Observation Domain Id: 7/], ["v9", "NetFlow v9", /SourceId: 7/], ["v5", "NetFlow v5", /EngineId: 7/]];
// (ip6_esp has IPv6 flows only, which NetFlow v5 cannot carry)
for (const [format, label, domain] of FORMATS) for (const name of CASES.filter((n) => format !== "v5" || n !== "zeek--ip6_esp.pcap")) {
  test(`tshark decodes flowprobe's ${label} cleanly: ${name}`, async () => {
    const datagrams = await ipfixOf(path.join(fixtures, "pcaps", name), { format });
    for (const dest of [0, 1]) {
      const t = tshark(datagrams, dest);
      assert.ok(t.count > 0);
      assert.doesNotMatch(t.verbose, /Malformed|Expert Info \((Warning|Error)/, `${name} → collector ${dest}`);
      assert.doesNotMatch(t.expert, /\b(Warns|Errors)\b/, t.expert);
      assert.equal(t.verbose.split("\n").filter((l) => /^Frame \d+:/.test(l)).length, t.count, "every datagram decoded");
      assert.match(t.verbose, domain);
    }
  });
}

test("every collector gets every record with its own sequence numbers; templates first and every refresh-rate datagrams", async () => {
  const datagrams = await ipfixOf(path.join(fixtures, "pcaps", "zeek--dhcp--dhcp_flood.pcap"), { collectors: 2, refreshRate: 3 });
  for (const dest of [0, 1]) {
    const mine = datagrams.filter(([d]) => d === dest).map(([, dg]) => dg);
    assert.ok(mine.length >= 7, `${mine.length} datagrams`);
    let expectSeq = 0;
    mine.forEach((dg, i) => {
      assert.equal(dg.readUInt16BE(0), 10, "version");
      assert.equal(dg.readUInt16BE(2), dg.length, "message length");
      assert.equal(dg.readUInt32BE(8), expectSeq, `sequence of datagram ${i}`);
      assert.equal(dg.readUInt32BE(12), 7, "observation domain");
      // sets: template set (id 2) first when due, then data sets
      let records = 0;
      let hasTemplates = false;
      for (let o = 16; o < dg.length;) {
        const id = dg.readUInt16BE(o), len = dg.readUInt16BE(o + 2);
        assert.ok(len >= 4 && o + len <= dg.length, "set length within the message");
        if (id === 2) hasTemplates = true;
        else records += (len - 4) / (id === 256 ? 65 : 89);
        o += len;
      }
      assert.equal(hasTemplates, i % 3 === 0, `templates in datagram ${i}`);
      expectSeq += records;
    });
  }
  // mirror: the same data sets go to both
  const a = datagrams.filter(([d]) => d === 0).map(([, dg]) => dg.subarray(dg.readUInt16BE(16) === 2 ? 16 + dg.readUInt16BE(18) : 16).toString("hex"));
  const b = datagrams.filter(([d]) => d === 1).map(([, dg]) => dg.subarray(dg.readUInt16BE(16) === 2 ? 16 + dg.readUInt16BE(18) : 16).toString("hex"));
  assert.deepEqual(a, b);
});

test("golden bytes: message header, templates and one IPv4 and one IPv6 record", async () => {
  const got = [];
  const meter = new lib.Meter([{
    maxflows: 16, hashsize: 32, inactiveTimeoutS: 15, activeTimeoutS: 1800, format: "ipfix",
    export: { mtu: 1400, engineId: 0x01020304, refreshRate: 20, templateTimeoutS: 1800, destinations: 1 },
  }], 1n, (bytes) => lib.forEachDatagram(bytes, (d, dg) => got.push(Buffer.from(dg))));
  meter.setExportTime(0x65000000);
  const T = 1_700_000_000_123_456_789n;
  await meterBatch([
    { ts: T, data: P.eth(P.ETH_IPV4, P.ipv4(P.tcp(1234, 80, 0x12), { src: "192.0.2.1", dst: "198.51.100.2", tos: 8, ttl: 60 }), [[P.ETH_VLAN, 5]]), ifindex: 3 },
    { ts: T + 2_000_000n, data: P.eth(P.ETH_IPV6, P.ipv6(P.icmp(128, 0), { nh: 58, src: "2001:db8::1", dst: "2001:db8::2", hlim: 64 })), ifindex: 3 },
  ], {}, { meterState: { meter, text: () => "" } });
  assert.equal(got.length, 1);
  const tmpl = (id, fields) => [id >> 8, id & 255, 0, fields.length / 2, ...fields.flatMap((v) => [v >> 8, v & 255])];
  const common = [7, 2, 11, 2, 4, 1, 5, 1, 6, 2, 1, 8, 2, 8, 152, 8, 153, 8, 10, 4, 14, 4];
  const tail = [58, 2, 245, 2, 136, 1, 52, 1, 53, 1];
  const t4 = tmpl(256, [8, 4, 12, 4, ...common, 32, 2, ...tail]);
  const t6 = tmpl(257, [27, 16, 28, 16, ...common, 139, 2, ...tail]);
  const templateSet = [0, 2, 0, 4 + t4.length + t6.length, ...t4, ...t6];
  const be = (v, n) => [...Array(n)].map((_, i) => Number((BigInt(v) >> BigInt(8 * (n - 1 - i))) & 255n));
  const ms = T / 1000000n;
  const rec4 = [192, 0, 2, 1, 198, 51, 100, 2, ...be(1234, 2), ...be(80, 2), 6, 8, ...be(0x12, 2), ...be(40, 8), ...be(1, 8),
    ...be(ms, 8), ...be(ms, 8), ...be(3, 4), ...be(0, 4), ...be(0, 2), ...be(5, 2), ...be(0, 2), 4, 60, 60];
  const v6 = (last) => [0x20, 0x01, 0x0d, 0xb8, ...Array(11).fill(0), last];
  const rec6 = [...v6(1), ...v6(2), 0, 0, 0, 0, 58, 0, 0, 0, ...be(48, 8), ...be(1, 8),
    ...be(ms + 2n, 8), ...be(ms + 2n, 8), ...be(3, 4), ...be(0, 4), ...be(128 << 8, 2), 0, 0, 0, 0, 4, 64, 64];
  const body = [...templateSet, ...be(256, 2), ...be(4 + rec4.length, 2), ...rec4, ...be(257, 2), ...be(4 + rec6.length, 2), ...rec6];
  const header = [...be(10, 2), ...be(16 + body.length, 2), ...be(0x65000000, 4), ...be(0, 4), ...be(0x01020304, 4)];
  assert.equal(rec4.length, 65);
  assert.equal(rec6.length, 89);
  assert.equal(got[0].toString("hex"), Buffer.from([...header, ...body]).toString("hex"));
});
