// The capture-file reader: pcap in both byte orders and both time resolutions, pcapng with
// several interfaces, resolutions, offsets, sections, simple and unknown blocks; streaming
// across the input region's edge; standard input; the damage rules.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { meterBytes, lib } from "./helpers/meter.mjs";
import { cli, parseFlows } from "./helpers/run.mjs";
import * as P from "./helpers/packets.mjs";

const L = lib.layout;
const frame = (sport, len = 0) => P.eth(P.ETH_IPV4, P.ipv4(P.udp(sport, 53, Buffer.alloc(len)), { proto: 17 }));

for (const bigEndian of [false, true]) {
  for (const nanos of [false, true]) {
    test(`pcap ${bigEndian ? "big" : "little"}-endian, ${nanos ? "ns" : "µs"} timestamps`, async () => {
      const frac = nanos ? 123456789 : 123456;
      const file = P.pcapFile(1, [{ ts: [1600000000, frac], data: frame(1) }, { ts: [1600000001, 0], data: frame(1) }], { bigEndian, nanos });
      const { flows, snap, error } = await meterBytes(file);
      assert.equal(error, undefined);
      assert.equal(snap.read, 2n);
      assert.equal(flows[0].time_flow_start_ns, 1600000000_000000000n + BigInt(nanos ? frac : frac * 1000));
      assert.equal(flows[0].time_flow_end_ns, 1600000001_000000000n);
    });
  }
}

test("pcap time past 2038 (unsigned seconds) and before 1970 is not assumed", async () => {
  const { flows } = await meterBytes(P.pcapFile(1, [{ ts: [0xfffffff0, 0], data: frame(1) }]));
  assert.equal(flows[0].time_flow_start_ns, 0xfffffff0n * 1000000000n);
});

test("pcapng: interfaces with their own link type, if_tsresol and if_tsoffset; ifindex = interface + 1", async () => {
  const ng = new P.Pcapng()
    .shb()
    .idb(1) // default resolution: µs
    .idb(101, { tsresol: 9 }) // ns, raw IP
    .idb(1, { tsresol: 0x80 | 10, tsoffset: 1000n }) // 2^-10 s, +1000 s
    .custom(0x40000bad) // unknown block: skipped
    .epb(0, 1_600_000_000_000_000n, frame(1))
    .epb(1, 1_600_000_000_123_456_789n, P.ipv4(P.udp(2, 53), { proto: 17 }))
    .epb(2, 1600000000n * 1024n + 512n, frame(3));
  const { flows, snap, error } = await meterBytes(ng.bytes());
  assert.equal(error, undefined);
  assert.equal(snap.metered, 3n);
  const by = Object.fromEntries(flows.map((f) => [String(f.src_port), f]));
  assert.equal(by[1].time_flow_start_ns, 1_600_000_000_000_000_000n);
  assert.equal(by[1].in_if, 1n);
  assert.equal(by[2].time_flow_start_ns, 1_600_000_000_123_456_789n);
  assert.equal(by[2].in_if, 2n);
  assert.equal(by[3].time_flow_start_ns, 1_600_001_000_500_000_000n);
  assert.equal(by[3].in_if, 3n);
});

test("pcapng: a simple packet block takes the previous packet's time", async () => {
  const ng = new P.Pcapng().shb().idb(1).epb(0, 5_000_000n, frame(1)).spb(frame(2));
  const { flows } = await meterBytes(ng.bytes());
  const spb = flows.find((f) => f.src_port === 2n);
  assert.equal(spb.time_flow_start_ns, 5_000_000_000n);
});

test("pcapng: two sections of different byte order; interfaces restart per section", async () => {
  const a = new P.Pcapng(false).shb().idb(1).epb(0, 1n, frame(1));
  const b = new P.Pcapng(true).shb().idb(101, { tsresol: 9 }).epb(0, 2n, P.ipv4(P.udp(2, 53), { proto: 17 }));
  const { flows, snap, error } = await meterBytes(Buffer.concat([a.bytes(), b.bytes()]));
  assert.equal(error, undefined);
  assert.equal(snap.metered, 2n);
  assert.equal(flows.find((f) => f.src_port === 2n).time_flow_start_ns, 2n);
});

test("pcapng: an interface of an unknown link type has its packets skipped and counted", async () => {
  const ng = new P.Pcapng().shb().idb(1).idb(147).epb(0, 1n, frame(1)).epb(1, 1n, frame(2)).epb(7, 1n, frame(3));
  const { snap, error } = await meterBytes(ng.bytes());
  assert.equal(error, undefined);
  assert.equal(snap.read, 3n);
  assert.equal(snap.metered, 1n);
  assert.equal(snap.skipped.get("unknown_linktype"), 1n);
  assert.equal(snap.skipped.get("bad_interface"), 1n);
});

test("pcap of an unknown link type: a clear error naming it", async () => {
  const { error } = await meterBytes(P.pcapFile(147, [{ ts: [1, 0], data: frame(1) }]));
  assert.equal(error.code, "E_CAPTURE_FORMAT");
  assert.match(error.message, /link type 147 is not one flowprobe reads/);
});

test("streaming: a file several times the input region, records straddling its edge, meters exactly", async () => {
  // sizes chosen so records fall across every refill boundary
  const packets = [];
  let bytes = 0n;
  for (let i = 0; bytes < BigInt(L.INPUT_SIZE) * 3n; i++) {
    const f = frame(1000 + (i % 50), (i * 37) % 1400);
    bytes += BigInt(f.length - 14);
    packets.push({ ts: [1600000000 + Math.floor(i / 1000), (i % 1000) * 1000], data: f });
  }
  const { flows, snap, error } = await meterBytes(P.pcapFile(1, packets));
  assert.equal(error, undefined);
  assert.equal(snap.read, BigInt(packets.length));
  assert.equal(snap.bytes, bytes);
  assert.equal(flows.reduce((n, f) => n + f.packets, 0n), BigInt(packets.length));
  assert.equal(flows.reduce((n, f) => n + f.bytes, 0n), bytes);
});

test("standard input: -r - reads a pipe", async () => {
  const file = P.pcapFile(1, [{ ts: [1, 0], data: frame(1) }, { ts: [2, 0], data: frame(2) }]);
  const r = spawnSync(process.execPath, [cli, "-r", "-", "--seed", "1"], { input: file, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(parseFlows(r.stdout).length, 2);
  assert.match(r.stderr, /<stdin>: read 2 packets/);
});

test("damage: caplen over wirelen, cut record, cut header — offset of the damaged record, what came before is metered", async () => {
  const good = [{ ts: [1, 0], data: frame(1) }, { ts: [2, 0], data: frame(2) }];
  const goodLen = P.pcapFile(1, good).length;
  const over = P.pcapFile(1, [...good, { ts: [3, 0], data: frame(3), wire: 20 }]);
  let r = await meterBytes(over);
  assert.equal(r.error.offset, goodLen);
  assert.match(r.error.message, /exceeds its length on the wire/);
  assert.equal(r.snap.metered, 2n);
  assert.equal(r.flows.length, 2);
  const full = P.pcapFile(1, [...good, { ts: [3, 0], data: frame(3) }]);
  for (const cut of [goodLen + 7, goodLen + 20]) {
    r = await meterBytes(full.subarray(0, cut));
    assert.equal(r.error.offset, goodLen, `cut at ${cut}`);
    assert.equal(r.snap.metered, 2n);
  }
  r = await meterBytes(P.pcapFile(1, [...good, { ts: [3, 0], data: frame(3), caplen: 300000, wire: 300000 }]));
  assert.equal(r.error.offset, goodLen);
  assert.match(r.error.message, /exceeds both the snap length and 262144/);
});

test("damage: pcapng block length under 12, unaligned, past the end of the file", async () => {
  const ng = new P.Pcapng().shb().idb(1).epb(0, 1n, frame(1));
  const head = ng.bytes();
  const bad = (len) => {
    const b = Buffer.alloc(16);
    b.writeUInt32LE(6, 0);
    b.writeUInt32LE(len, 4);
    return Buffer.concat([head, b]);
  };
  for (const [len, re] of [[8, /under the minimum/], [13, /not a multiple of 4/], [4096, /file ends 16 bytes into it/]]) {
    const r = await meterBytes(bad(len));
    assert.equal(r.error.offset, head.length, String(len));
    assert.match(r.error.message, re);
    assert.equal(r.snap.metered, 1n);
  }
});

test("damage: empty file, short header, no magic number — offset 0", async () => {
  for (const [bytes, re] of [
    [Buffer.alloc(0), /empty file/],
    [P.pcapFile(1, []).subarray(0, 13), /too short for the 24-byte pcap file header/],
    [Buffer.from("GIF89a not a capture"), /no pcap or pcapng magic number/],
  ]) {
    const r = await meterBytes(bytes);
    assert.equal(r.error.offset, 0);
    assert.match(r.error.message, re);
  }
});

test("pcapng: a packet block larger than the input region is damage at its offset; a huge other block is skipped", async () => {
  const head = new P.Pcapng().shb().idb(1).epb(0, 1n, frame(1)).bytes();
  const big = new P.Pcapng().epb(0, 2n, Buffer.alloc(L.INPUT_SIZE + 1000)).bytes();
  let r = await meterBytes(Buffer.concat([head, big]));
  assert.equal(r.error?.offset, head.length);
  assert.match(r.error.message, /larger than any record flowprobe reads/);
  assert.equal(r.snap.read, 1n);
  const custom = new P.Pcapng().custom(0x40000bad, Buffer.alloc(L.INPUT_SIZE + 1000)).bytes();
  const tail = new P.Pcapng().epb(0, 3n, frame(2)).bytes();
  r = await meterBytes(Buffer.concat([head, custom, tail]));
  assert.equal(r.error, undefined);
  assert.equal(r.snap.metered, 2n);
});
