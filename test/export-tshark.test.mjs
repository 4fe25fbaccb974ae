// tshark (Debian's Wireshark, which nobody here wrote) decodes every IPFIX, NetFlow v9 and
// NetFlow v5 datagram of a run: no malformed packet, no expert item at warning level or above (sequence numbers
// included), template and data set lengths agree. The datagrams come straight from the
// meter and are wrapped into a capture file here, so no live capture is needed. IPFIX and v9
// have four flow templates (assembly/encode/records.ts): the golden messages hold a flow of each,
// and tshark reads the ICMP flows with type and code and no ports, the others with ports and
// no ICMP type/code. At --mtu 576 IPFIX's template block goes in a message of its own.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { lib, meterBatch } from "./helpers/meter.mjs";
import { fixtures, cli, parseFlows } from "./helpers/run.mjs";
import * as P from "./helpers/packets.mjs";

const PORT = 4739;

/** The set ids of an IPFIX message (RFC 7011 §3.3) or flowset ids of a v9 one (RFC 3954 §5.1), in order. */
function setIds(dg) {
  const ids = [];
  for (let o = dg.readUInt16BE(0) === 10 ? 16 : 20; o + 4 <= dg.length; o += dg.readUInt16BE(o + 2)) ids.push(dg.readUInt16BE(o));
  return ids;
}
/** The id of the template set (IPFIX) / template flowset (v9). */
const TEMPLATE_SET = { ipfix: 2, v9: 0 };
/** The flow templates: IPv4, IPv6, IPv4 ICMP, IPv6 ICMPv6. */
const FLOW_TEMPLATE_IDS = [256, 257, 261, 262];
/** Bytes of an IPFIX flow record by template (without MACs): the ICMP templates have no ports, the others no ICMP type/code. */
const IPFIX_RECORD_BYTES = { 256: 68, 257: 104, 261: 66, 262: 102 };
/** Flow records in the data sets / flowsets of flow templates, as tshark -V counts them. */
const flowsDecoded = (verbose) => [...verbose.matchAll(/^\s+(?:Set|FlowSet) \d+ \[id=(\d+)\] \((\d+) flows\)/gm)]
  .filter((m) => FLOW_TEMPLATE_IDS.includes(Number(m[1]))).reduce((n, m) => n + Number(m[2]), 0);

/** Meters a capture into export datagrams for `collectors` mirrored collectors; returns [dest, datagram][]. */
async function ipfixOf(file, { collectors = 2, refreshRate = 20, mtu = 1400, format = "ipfix", mac = false } = {}) {
  const got = [];
  const meter = new lib.Meter([{
    maxflows: 100000, hashsize: 262144, inactiveTimeoutS: 15, activeTimeoutS: 1800, format, mac,
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
    const stats = spawnSync("tshark", [...args, "-T", "fields", "-E", "separator=/t", "-e", "cflow.packetsexp", "-e", "cflow.flowsexp",
      "-e", "cflow.octetsexp", "-e", "cflow.sampling_interval"], { encoding: "utf8" });
    return { expert: expert.stdout + expert.stderr, fields: fields.stdout, verbose: verbose.stdout, count: packets.length, stats: stats.stdout };
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
      if (format === "v5") continue;
      // the final statistics, as tshark reads them: every message, flow record and byte before the last
      const mine = datagrams.filter(([d]) => d === dest).map(([, dg]) => dg);
      const flows = flowsDecoded(t.verbose);
      const last = t.stats.trim().split("\n").at(-1).split("\t");
      assert.deepEqual(last.map(Number), [mine.length - 1, flows, mine.slice(0, -1).reduce((n, dg) => n + dg.length, 0), 1], t.stats);
    }
  });
}

/** The sets of an IPFIX message: [{ id, body }] (RFC 7011 §3.3). */
function ipfixSets(dg) {
  const sets = [];
  for (let o = 16; o < dg.length;) {
    const id = dg.readUInt16BE(o), len = dg.readUInt16BE(o + 2);
    assert.ok(len >= 4 && o + len <= dg.length, "set length within the message");
    sets.push({ id, body: dg.subarray(o + 4, o + len) });
    o += len;
  }
  return sets;
}

test("every collector gets every record with its own sequence numbers; templates and options first, every refresh-rate datagrams, and last with the final statistics", async () => {
  const datagrams = await ipfixOf(path.join(fixtures, "pcaps", "zeek--dhcp--dhcp_flood.pcap"), { collectors: 2, refreshRate: 3 });
  for (const dest of [0, 1]) {
    const mine = datagrams.filter(([d]) => d === dest).map(([, dg]) => dg);
    assert.ok(mine.length >= 7, `${mine.length} datagrams`);
    let expectSeq = 0;
    let flows = 0;
    let octets = 0;
    mine.forEach((dg, i) => {
      const last = i === mine.length - 1;
      assert.equal(dg.readUInt16BE(0), 10, "version");
      assert.equal(dg.readUInt16BE(2), dg.length, "message length");
      assert.equal(dg.readUInt32BE(8), expectSeq, `sequence of datagram ${i}`);
      assert.equal(dg.readUInt32BE(12), 7, "observation domain");
      const sets = ipfixSets(dg);
      const ids = sets.map((x) => x.id);
      const templated = i % 3 === 0 || last;
      assert.equal(ids.includes(2), templated, `templates in datagram ${i}`);
      if (templated) {
        // template set, two options template sets, then one statistics and one sampling record
        assert.deepEqual(ids.slice(0, 5), [2, 3, 3, 258, 259], `datagram ${i}`);
        const stats = sets[3].body;
        assert.equal(stats.readUInt32BE(0), 7, "scope: observation domain");
        assert.equal(stats.readBigUInt64BE(4), BigInt(i), "exportedMessageTotalCount: messages before this one");
        assert.equal(stats.readBigUInt64BE(12), BigInt(flows), "exportedFlowRecordTotalCount");
        assert.equal(stats.readBigUInt64BE(20), BigInt(octets), "exportedOctetTotalCount");
        assert.equal(stats.readBigUInt64BE(28), 0n, "ignoredPacketTotalCount");
        assert.equal(sets[4].body.readUInt32BE(4), 1, "samplingInterval");
      }
      const records = sets.reduce((n, x) => n + (x.id in IPFIX_RECORD_BYTES ? x.body.length / IPFIX_RECORD_BYTES[x.id] : 0), 0);
      assert.ok(Number.isInteger(records));
      if (last) assert.equal(records, 0, "the final statistics message has no flow records");
      flows += records;
      octets += dg.length;
      expectSeq += records + (templated ? 2 : 0); // options records are data records too
    });
  }
  // mirror: the same data sets go to both
  const dataOf = (d) => datagrams.filter(([x]) => x === d).map(([, dg]) => ipfixSets(dg).filter((x) => FLOW_TEMPLATE_IDS.includes(x.id)).map((x) => x.body.toString("hex")).join());
  assert.deepEqual(dataOf(0), dataOf(1));
});

/** [interface number, name] of the interface-name options records tshark decodes, in order. */
function namesDecoded(verbose) {
  return [...verbose.matchAll(/(?:InputInt|ScopeInterface): (\d+)\n\s+IfName: (.*)/g)].map((m) => [Number(m[1]), m[2]]);
}

for (const [format, label] of [["ipfix", "IPFIX"], ["v9", "NetFlow v9"]]) {
  test(`${label}: interface names (interfaceName, IE 82) go with the templates, as the capture's interface blocks name them`, async () => {
    const file = path.join(fixtures, "pcaps", "zeek--pcapng-multi-interface.pcapng");
    // what tshark reads as each interface's name; flows carry interface id + 1, names are cut to 15 bytes
    const expected = new Map(execFileSync("tshark", ["-r", file, "-T", "fields", "-e", "frame.interface_id", "-e", "frame.interface_name"], { encoding: "utf8" })
      .trim().split("\n").map((l) => l.split("\t")).map(([id, name]) => [Number(id) + 1, Buffer.from(name).subarray(0, 15).toString()]));
    assert.equal(expected.size, 2);
    const datagrams = await ipfixOf(file, { format, collectors: 1 });
    const t = tshark(datagrams, 0);
    assert.doesNotMatch(t.verbose, /Malformed|Expert Info \((Warning|Error)/);
    assert.doesNotMatch(t.expert, /\b(Warns|Errors)\b/, t.expert);
    const blocks = t.verbose.split(/^Frame \d+:/m).slice(1).filter((f) => /IfName:/.test(f));
    assert.equal(blocks.length, datagrams.length, "every datagram here carries the templates (the first and the final statistics)");
    for (const f of blocks) assert.deepEqual(new Map(namesDecoded(f)), expected);
  });

  test(`${label}: more interfaces than a small MTU's template block holds take turns, and each collector gets every name`, async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "fp-ifnames-"));
    try {
      const ng = new P.Pcapng().shb();
      const names = [...Array(20)].map((_, i) => `lan${i}`);
      for (const name of names) ng.idb(1, { name, tsresol: 9 });
      for (let i = 0; i < 200; i++) {
        ng.epb(i % 20, 1_700_000_000_000_000_000n + BigInt(i) * 1000n, P.eth(P.ETH_IPV4, P.ipv4(P.udp(1000 + i, 53), { proto: 17, src: "10.0.0.1", dst: "10.0.0.2" })));
      }
      const file = path.join(dir, "many.pcapng");
      writeFileSync(file, ng.bytes());
      const datagrams = await ipfixOf(file, { format, collectors: 2, refreshRate: 1, mtu: 576 });
      for (const dest of [0, 1]) {
        const mine = datagrams.filter(([d]) => d === dest).map(([, dg]) => dg);
        assert.ok(mine.every((dg) => dg.length <= 576), "every datagram within the MTU");
        const t = tshark(datagrams, dest);
        assert.doesNotMatch(t.verbose, /Malformed|Expert Info \((Warning|Error)/);
        assert.doesNotMatch(t.expert, /\b(Warns|Errors)\b/, t.expert);
        const frames = t.verbose.split(/^Frame \d+:/m).slice(1);
        assert.equal(frames.length, mine.length);
        const blocks = frames.filter((f, i) => setIds(mine[i]).includes(TEMPLATE_SET[format]));
        const perBlock = blocks.map((f) => namesDecoded(f).length);
        assert.ok(perBlock.length > 0 && perBlock.every((n) => n > 0 && n < 20), `a block holds some of the names: ${perBlock}`);
        assert.equal(blocks.length, frames.filter((f) => /IfName:/.test(f)).length, "names only with the templates");
        assert.deepEqual(new Map(namesDecoded(t.verbose)), new Map(names.map((n, i) => [i + 1, n])));
        // v9 at 576 holds its block and a record (refresh rate 1: the block with every data
        // message); IPFIX's block is too long for that, so it goes in a message of its own,
        // just before every data message
        const kinds = mine.map((dg) => (setIds(dg).includes(TEMPLATE_SET[format]) ? "T" : "") + (setIds(dg).some((id) => FLOW_TEMPLATE_IDS.includes(id)) ? "D" : "")).join(",");
        const data = mine.length - 1; // (the last: the final statistics)
        const want = format === "ipfix" ? [...Array(data / 2)].map(() => "T,D").join(",") + ",T" : [...Array(data)].map(() => "TD").join(",") + ",T";
        assert.equal(kinds, want);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

for (const [format, label] of [["ipfix", "IPFIX"], ["v9", "NetFlow v9"]]) {
  test(`${label}: interface names that change before every datagram (an interface coming and going) still all reach the collector in turn`, async () => {
    const got = [];
    const meter = new lib.Meter([{
      maxflows: 1000, hashsize: 4096, inactiveTimeoutS: 15, activeTimeoutS: 1800, format,
      export: { mtu: 576, engineId: 7, refreshRate: 1, templateTimeoutS: 1800, destinations: 1 },
    }], 1n, (bytes) => lib.forEachDatagram(bytes, (d, dg) => got.push([d, Buffer.from(dg)])));
    meter.setExportTime(1700000000);
    const names = [...Array(20)].map((_, i) => [i + 1, `lan${i}`]);
    for (let i = 0; i < 60; i++) {
      meter.core.setInterfaceNames(i % 2 ? [...names, [99, "veth-x"]] : names);
      // a TCP flow ended by FIN: its record goes out at once, sealing the datagram before it
      const data = P.eth(P.ETH_IPV4, P.ipv4(P.tcp(1000 + i, 80, 0x11), { proto: 6, src: "10.0.0.1", dst: "10.0.0.2" }));
      await meterBatch([{ ts: 1_700_000_000_000_000_000n + BigInt(i) * 1_000_000n, data }], {}, { flush: false, meterState: { meter, text: () => "" } });
    }
    await meter.flush();
    const t = tshark(got, 0);
    assert.doesNotMatch(t.verbose, /Malformed|Expert Info \((Warning|Error)/);
    assert.doesNotMatch(t.expert, /\b(Warns|Errors)\b/, t.expert);
    const seen = new Map(namesDecoded(t.verbose));
    for (const [n, name] of names) assert.equal(seen.get(n), name, `${name} reached the collector`);
  });
}

for (const [format, label] of [["ipfix", "IPFIX"], ["v9", "NetFlow v9"]]) {
  test(`${label} with MACs: tshark decodes every record's source and destination MAC cleanly`, async () => {
    const name = "zeek--http--methods.pcap";
    const datagrams = await ipfixOf(path.join(fixtures, "pcaps", name), { format, mac: true, collectors: 1 });
    const t = tshark(datagrams, 0);
    assert.doesNotMatch(t.verbose, /Malformed|Expert Info \((Warning|Error)/);
    assert.doesNotMatch(t.expert, /\b(Warns|Errors)\b/, t.expert);
    const macs = [...t.verbose.matchAll(/Source Mac Address: ([0-9a-f:]{17})\n\s+Destination Mac Address: ([0-9a-f:]{17})\n/g)].map((m) => `${m[1]} ${m[2]}`);
    const flows = flowsDecoded(t.verbose);
    assert.ok(flows > 0);
    assert.equal(macs.length, flows, "every flow record has both MACs");
    const json = parseFlows(execFileSync(process.execPath, [cli, "-r", path.join(fixtures, "pcaps", name), "--mac", "--no-summary"], { encoding: "utf8" }));
    assert.deepEqual(macs.sort(), json.map((f) => `${f.src_mac} ${f.dst_mac}`).sort());
  });
}

const be = (v, n) => [...Array(n)].map((_, i) => Number((BigInt(v) >> BigInt(8 * (n - 1 - i))) & 255n));
const fields = (list) => list.flatMap((v) => be(v, 2));
const T = 1_700_000_000_123_456_789n;
/**
 * Four hand-built flows through a meter of `format`, one for each flow template: an IPv4 TCP
 * flow on VLAN 5 arriving (256), an IPv6 echo request leaving (262), an IPv4 echo request
 * arriving (261) and an IPv6 SCTP flow arriving (257) — SCTP, whose destination port nfdump 1.7
 * lost when it shared a template with the ICMP type/code element (encode/records.ts).
 */
async function goldenRun(format) {
  const got = [];
  const meter = new lib.Meter([{
    maxflows: 16, hashsize: 32, inactiveTimeoutS: 15, activeTimeoutS: 1800, format,
    export: { mtu: 1400, engineId: 0x01020304, refreshRate: 20, templateTimeoutS: 1800, destinations: 1 },
  }], 1n, (bytes) => lib.forEachDatagram(bytes, (d, dg) => got.push(Buffer.from(dg))));
  meter.setExportTime(0x65000000);
  await meterBatch([
    { ts: T, data: P.eth(P.ETH_IPV4, P.ipv4(P.tcp(1234, 80, 0x12), { src: "192.0.2.1", dst: "198.51.100.2", tos: 8, ttl: 60 }), [[P.ETH_VLAN, 5]]), ifindex: 3 },
    // seen leaving (Linux PACKET_OUTGOING, --direction both): flowDirection egress, output = the capturing interface
    { ts: T + 2_000_000n, data: P.eth(P.ETH_IPV6, P.ipv6(P.icmp(128, 0), { nh: 58, src: "2001:db8::1", dst: "2001:db8::2", hlim: 64 })), ifindex: 3, pkttype: 4 },
    { ts: T + 4_000_000n, data: P.eth(P.ETH_IPV4, P.ipv4(P.icmp(8, 0), { proto: 1, src: "192.0.2.1", dst: "198.51.100.2", ttl: 60 })), ifindex: 3 },
    // an SCTP common header (RFC 9260 §3.1): ports 7 → 9999, verification tag, checksum
    { ts: T + 6_000_000n, data: P.eth(P.ETH_IPV6, P.ipv6(Buffer.concat([P.udp(7, 9999), Buffer.alloc(4)]), { nh: 132, src: "2001:db8::1", dst: "2001:db8::2", hlim: 64 })), ifindex: 3 },
  ], {}, { meterState: { meter, text: () => "" } });
  return got;
}
const v6addr = (last) => [0x20, 0x01, 0x0d, 0xb8, ...Array(11).fill(0), last];
// The flow templates' fields, IPFIX and v9 (assembly/encode/records.ts): the ICMP templates (261, 262) have
// the ICMP type/code element (IPFIX 32 / 139; v9 32 for both) and no ports (7, 11); the others
// (256, 257) the ports and no ICMP type/code.
const noPorts = (f) => f.flatMap((v, i) => (i % 2 === 0 && v !== 7 && v !== 11 ? [v, f[i + 1]] : []));

test("golden bytes, IPFIX: header, four flow templates, options templates and records, a flow of each template; then the final statistics", async () => {
  const got = await goldenRun("ipfix");
  assert.equal(got.length, 2);
  const tmpl = (id, f) => [...be(id, 2), ...be(f.length / 2, 2), ...fields(f)];
  const otmpl = (id, f) => [...be(id, 2), ...be(f.length / 2, 2), ...be(1, 2), ...fields(f)];
  const common = [7, 2, 11, 2, 4, 1, 5, 1, 6, 2, 1, 8, 2, 8, 152, 8, 153, 8, 10, 4, 14, 4];
  const tail = [58, 2, 245, 2, 136, 1, 61, 1, 52, 1, 53, 1];
  const t4 = tmpl(256, [8, 4, 12, 4, ...common, 15, 4, ...tail]);
  const t6 = tmpl(257, [27, 16, 28, 16, ...common, 62, 16, ...tail]);
  const t4icmp = tmpl(261, [8, 4, 12, 4, ...noPorts(common), 15, 4, 32, 2, ...tail]);
  const t6icmp = tmpl(262, [27, 16, 28, 16, ...noPorts(common), 62, 16, 139, 2, ...tail]);
  assert.equal(t4icmp.length, 4 + 19 * 4);
  const o1 = otmpl(258, [149, 4, 41, 8, 42, 8, 40, 8, 164, 8]);
  const o2 = otmpl(259, [149, 4, 34, 4, 304, 2, 305, 4, 306, 4]);
  const set = (id, body) => [...be(id, 2), ...be(4 + body.length, 2), ...body];
  const block = (messages, flows, octets) => [
    ...set(2, [...t4, ...t6, ...t4icmp, ...t6icmp]), ...set(3, o1), ...set(3, o2),
    ...set(258, [...be(0x01020304, 4), ...be(messages, 8), ...be(flows, 8), ...be(octets, 8), ...be(0, 8)]),
    ...set(259, [...be(0x01020304, 4), ...be(1, 4), ...be(1, 2), ...be(1, 4), ...be(0, 4)]),
  ];
  const ms = T / 1000000n;
  // addresses, [ports], protocol, ToS, TCP flags, octets, packets, start, end, in, out, next hop, [ICMP type/code],
  // VLAN, inner VLAN, end reason (4: end of input), direction, min/max TTL
  const rec4 = [192, 0, 2, 1, 198, 51, 100, 2, ...be(1234, 2), ...be(80, 2), 6, 8, ...be(0x12, 2), ...be(40, 8), ...be(1, 8),
    ...be(ms, 8), ...be(ms, 8), ...be(3, 4), ...be(0, 4), ...be(0, 4), ...be(5, 2), ...be(0, 2), 4, 0, 60, 60];
  const rec6icmp = [...v6addr(1), ...v6addr(2), 58, 0, 0, 0, ...be(48, 8), ...be(1, 8),
    ...be(ms + 2n, 8), ...be(ms + 2n, 8), ...be(0, 4), ...be(3, 4), ...Array(16).fill(0), ...be(128 << 8, 2), 0, 0, 0, 0, 4, 1, 64, 64];
  const rec4icmp = [192, 0, 2, 1, 198, 51, 100, 2, 1, 0, 0, 0, ...be(28, 8), ...be(1, 8),
    ...be(ms + 4n, 8), ...be(ms + 4n, 8), ...be(3, 4), ...be(0, 4), ...be(0, 4), ...be(8 << 8, 2), 0, 0, 0, 0, 4, 0, 60, 60];
  const rec6 = [...v6addr(1), ...v6addr(2), ...be(7, 2), ...be(9999, 2), 132, 0, 0, 0, ...be(52, 8), ...be(1, 8),
    ...be(ms + 6n, 8), ...be(ms + 6n, 8), ...be(3, 4), ...be(0, 4), ...Array(16).fill(0), 0, 0, 0, 0, 4, 0, 64, 64];
  assert.deepEqual([rec4.length, rec6.length, rec4icmp.length, rec6icmp.length], [68, 104, 66, 102]);
  const header = (len, seq) => [...be(10, 2), ...be(len, 2), ...be(0x65000000, 4), ...be(seq, 4), ...be(0x01020304, 4)];
  // a change of template closes the open data set and opens one for the new template
  const body1 = [...block(0, 0, 0), ...set(256, rec4), ...set(262, rec6icmp), ...set(261, rec4icmp), ...set(257, rec6)];
  const first = [...header(16 + body1.length, 0), ...body1];
  assert.equal(got[0].toString("hex"), Buffer.from(first).toString("hex"));
  // the final statistics: one message and four flows before it; sequence = 4 flows + 2 options records
  const body2 = block(1, 4, first.length);
  assert.equal(got[1].toString("hex"), Buffer.from([...header(16 + body2.length, 6), ...body2]).toString("hex"));
});

test("golden bytes, NetFlow v9: header, four flow templates, options templates and records, a flow of each template; then the final statistics", async () => {
  const got = await goldenRun("v9");
  assert.equal(got.length, 2);
  const tmpl = (id, f) => [...be(id, 2), ...be(f.length / 2, 2), ...fields(f)];
  const pad = (a) => [...a, ...Array((4 - (a.length % 4)) % 4).fill(0)];
  // options template flowset (RFC 3954 §6.1): id, scope length, option length, scope System (1), fields, padding
  const otmpl = (id, f) => { const b = [...be(id, 2), ...be(4, 2), ...be(f.length * 2, 2), ...fields([1, 4, ...f])]; return pad([...be(1, 2), ...be(pad([0, 0, 0, 0, ...b]).length, 2), ...b]); };
  const common = [7, 2, 11, 2, 4, 1, 5, 1, 6, 1, 1, 8, 2, 8, 22, 4, 21, 4, 10, 4, 14, 4];
  const tail = [58, 2, 61, 1, 52, 1, 53, 1];
  const t4 = tmpl(256, [8, 4, 12, 4, ...common, 15, 4, ...tail]);
  const t6 = tmpl(257, [27, 16, 28, 16, ...common, 62, 16, ...tail]);
  const t4icmp = tmpl(261, [8, 4, 12, 4, ...noPorts(common), 15, 4, 32, 2, ...tail]);
  const t6icmp = tmpl(262, [27, 16, 28, 16, ...noPorts(common), 62, 16, 32, 2, ...tail]); // v9: ICMP_TYPE for ICMPv6 too
  const flowset = (id, body) => { const b = pad(body); return [...be(id, 2), ...be(4 + b.length, 2), ...b]; };
  const block = (packets, flows, octets) => [
    ...flowset(0, [...t4, ...t6, ...t4icmp, ...t6icmp]), ...otmpl(258, [41, 8, 42, 8, 40, 8]), ...otmpl(259, [34, 4]),
    ...flowset(258, [...be(0x01020304, 4), ...be(packets, 8), ...be(flows, 8), ...be(octets, 8)]),
    ...flowset(259, [...be(0x01020304, 4), ...be(1, 4)]),
  ];
  // uptime epoch: 1 s before the first flow's start (ms); header time: the last flow end rounded up to a second
  const ms = T / 1000000n;
  const boot = ms - 1000n;
  const secs = (T + 6_000_000n + 999_999_999n) / 1_000_000_000n;
  const uptime = secs * 1000n - boot;
  const up = (dms) => be(ms + dms - boot, 4);
  // addresses, [ports], protocol, ToS, TCP flags, bytes, packets, first, last, in, out, next hop, [ICMP type/code],
  // VLAN, direction, min/max TTL
  const rec4 = [192, 0, 2, 1, 198, 51, 100, 2, ...be(1234, 2), ...be(80, 2), 6, 8, 0x12, ...be(40, 8), ...be(1, 8),
    ...up(0n), ...up(0n), ...be(3, 4), ...be(0, 4), ...be(0, 4), ...be(5, 2), 0, 60, 60];
  const rec6icmp = [...v6addr(1), ...v6addr(2), 58, 0, 0, ...be(48, 8), ...be(1, 8),
    ...up(2n), ...up(2n), ...be(0, 4), ...be(3, 4), ...Array(16).fill(0), ...be(128 << 8, 2), 0, 0, 1, 64, 64];
  const rec4icmp = [192, 0, 2, 1, 198, 51, 100, 2, 1, 0, 0, ...be(28, 8), ...be(1, 8),
    ...up(4n), ...up(4n), ...be(3, 4), ...be(0, 4), ...be(0, 4), ...be(8 << 8, 2), 0, 0, 0, 60, 60];
  const rec6 = [...v6addr(1), ...v6addr(2), ...be(7, 2), ...be(9999, 2), 132, 0, 0, ...be(52, 8), ...be(1, 8),
    ...up(6n), ...up(6n), ...be(3, 4), ...be(0, 4), ...Array(16).fill(0), 0, 0, 0, 64, 64];
  assert.deepEqual([rec4.length, rec6.length, rec4icmp.length, rec6icmp.length], [56, 92, 54, 90]);
  const header = (count, seq) => [...be(9, 2), ...be(count, 2), ...be(uptime, 4), ...be(secs, 4), ...be(seq, 4), ...be(0x01020304, 4)];
  // count: every record (RFC 3954 §5.1) — four templates, two options templates, two options records, the flows
  const first = [...header(8 + 4, 0), ...block(0, 0, 0), ...flowset(256, rec4), ...flowset(262, rec6icmp), ...flowset(261, rec4icmp), ...flowset(257, rec6)];
  assert.equal(got[0].toString("hex"), Buffer.from(first).toString("hex"));
  assert.equal(got[1].toString("hex"), Buffer.from([...header(8, 1), ...block(1, 4, first.length)]).toString("hex"));
});

test("golden bytes, NetFlow v5: header and the IPv4 flows (the IPv6 flows are not exportable)", async () => {
  const got = await goldenRun("v5");
  assert.equal(got.length, 1);
  const ms = T / 1000000n;
  const boot = ms - 1000n;
  const last = T + 4_000_000n; // the header's time: the latest flow end in the datagram, to the ns
  const rec = [192, 0, 2, 1, 198, 51, 100, 2, 0, 0, 0, 0, ...be(3, 2), ...be(0, 2), ...be(1, 4), ...be(40, 4),
    ...be(ms - boot, 4), ...be(ms - boot, 4), ...be(1234, 2), ...be(80, 2), 0, 0x12, 6, 8, 0, 0, 0, 0, 0, 0, 0, 0];
  // ICMP: source port 0, type × 256 + code in the destination port
  const icmp = [192, 0, 2, 1, 198, 51, 100, 2, 0, 0, 0, 0, ...be(3, 2), ...be(0, 2), ...be(1, 4), ...be(28, 4),
    ...be(ms + 4n - boot, 4), ...be(ms + 4n - boot, 4), ...be(0, 2), ...be(8 << 8, 2), 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0];
  assert.equal(rec.length, 48);
  assert.equal(icmp.length, 48);
  const header = [...be(5, 2), ...be(2, 2), ...be(last / 1000000n - boot, 4), ...be(last / 1_000_000_000n, 4), ...be(last % 1_000_000_000n, 4),
    ...be(0, 4), 0, 4, ...be(1, 2)];
  assert.equal(got[0].toString("hex"), Buffer.from([...header, ...rec, ...icmp]).toString("hex"));
});

for (const [format, label] of [["ipfix", "IPFIX"], ["v9", "NetFlow v9"]]) {
  test(`${label}: tshark reads ICMP flows with their type and code and no ports, every other flow (SCTP too) with its ports and no ICMP type/code`, async () => {
    const t = tshark((await goldenRun(format)).map((dg) => [0, dg]), 0);
    assert.doesNotMatch(t.verbose, /Malformed|Expert Info \((Warning|Error)/);
    assert.doesNotMatch(t.expert, /\b(Warns|Errors)\b/, t.expert);
    const first = t.verbose.split(/^Frame \d+:/m)[1];
    const flows = first.split(/^\s+(?:Set|FlowSet) \d+ \[id=/m).slice(1).filter((x) => FLOW_TEMPLATE_IDS.includes(Number(/^\d+/.exec(x)[0])))
      .map((x) => ({
        set: Number(/^\d+/.exec(x)[0]),
        proto: /^\s+Protocol: (\S+)/m.exec(x)[1],
        ports: /^\s+SrcPort: \d+\n\s+DstPort: \d+$/m.exec(x)?.[0].replace(/\s+/g, " ").trim() ?? null,
        icmp: [...x.matchAll(/^\s+((?:IPv6 )?ICMP (?:Type|Code): \S+)$/gm)].map((m) => m[1]).join(", ") || null,
        anyPort: /Port:/.test(x),
      }));
    assert.deepEqual(flows, [
      { set: 256, proto: "TCP", ports: "SrcPort: 1234 DstPort: 80", icmp: null, anyPort: true },
      // (v9's ICMPv6 template carries ICMP_TYPE, field 32: type 128 × 256 + code 0)
      { set: 262, proto: "ICMPv6", ports: null, icmp: format === "v9" ? "ICMP Type: 0x8000" : "IPv6 ICMP Type: 128, IPv6 ICMP Code: 0", anyPort: false },
      { set: 261, proto: "ICMP", ports: null, icmp: "ICMP Type: 0x0800", anyPort: false },
      { set: 257, proto: "SCTP", ports: "SrcPort: 7 DstPort: 9999", icmp: null, anyPort: true },
    ]);
  });
}

// The same, from the wire: real UDP datagrams captured by dumpcap on the loopback of a
// network namespace the test creates (never the machine's own interfaces), one capture per
// run, a receiver listening so that no datagram is refused.
const NS = `fp-tshark-${process.pid}`;
const inNs = (...args) => ["netns", "exec", NS, ...args];
const RECEIVER = `
const s = require("node:dgram").createSocket("udp4");
let n = 0;
s.on("message", () => n++);
s.bind(Number(process.argv[1]), "127.0.0.1", () => process.stdout.write("ready\\n"));
process.on("SIGTERM", () => { process.stdout.write(n + "\\n"); process.exit(0); });
`;

async function captured(format, file) {
  const dir = mkdtempSync(path.join(tmpdir(), "fp-wire-"));
  const pcap = path.join(dir, "wire.pcapng");
  const children = [];
  const spawnIn = (args) => {
    const c = spawn("ip", inNs(...args), { stdio: ["ignore", "pipe", "pipe"] });
    children.push(c);
    let out = "";
    c.stdout.on("data", (d) => (out += d));
    c.stderr.on("data", (d) => (out += d));
    const closed = new Promise((resolve) => c.on("close", resolve));
    return { child: c, out: () => out, closed };
  };
  const waitFor = async (p, re, what) => {
    for (let i = 0; !re.test(p.out()); i++) {
      if (i > 500) throw new Error(`${what}: ${p.out()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  execFileSync("ip", ["netns", "add", NS]);
  try {
    execFileSync("ip", inNs("ip", "link", "set", "lo", "up"));
    const receiver = spawnIn([process.execPath, "-e", RECEIVER, String(PORT)]);
    await waitFor(receiver, /ready/, "receiver");
    const dump = spawnIn(["dumpcap", "-q", "-i", "lo", "-f", `udp dst port ${PORT}`, "-w", pcap]);
    await waitFor(dump, /Capturing on/, "dumpcap");
    const fp = spawnIn([process.execPath, cli, "-r", file, "--seed", "1", "-d", `127.0.0.1:${PORT}`, "--protocol", format, "--engine-id", "7"]);
    assert.equal(await fp.closed, 0, fp.out());
    await new Promise((r) => setTimeout(r, 300));
    dump.child.kill("SIGINT");
    await dump.closed;
    receiver.child.kill("SIGTERM");
    await receiver.closed;
    const sent = Number(/= sent ([\d,]+) \+ not sent 0 /.exec(fp.out())[1].replace(/,/g, ""));
    const args = ["-n", "-r", pcap, "-d", `udp.port==${PORT},cflow`];
    const verbose = spawnSync("tshark", [...args, "-V"], { encoding: "utf8", maxBuffer: 1 << 28 }).stdout;
    const expert = spawnSync("tshark", [...args, "-q", "-z", "expert,warn"], { encoding: "utf8" });
    return { sent, received: Number(receiver.out().trim().split("\n").at(-1)), verbose, expert: expert.stdout + expert.stderr };
  } finally {
    for (const c of children) c.kill("SIGKILL");
    execFileSync("ip", ["netns", "del", NS]);
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const [format, label, domain] of [["10", "IPFIX", /Observation Domain Id: 7/], ["9", "NetFlow v9", /SourceId: 7/], ["5", "NetFlow v5", /EngineId: 7/]]) {
  test(`${label} on the wire: tshark decodes every datagram captured on a namespace's loopback cleanly`, async () => {
    const t = await captured(format, path.join(fixtures, "pcaps", "zeek--dhcp--dhcp_flood.pcap"));
    assert.ok(t.sent > 3, `${t.sent} datagrams`);
    assert.equal(t.received, t.sent, "the receiver got every datagram");
    assert.equal(t.verbose.split("\n").filter((l) => /^Frame \d+:/.test(l)).length, t.sent, "every datagram captured and decoded");
    assert.equal(t.verbose.split("\n").filter((l) => /^Cisco NetFlow\/IPFIX$/.test(l)).length, t.sent, "each one as NetFlow/IPFIX");
    assert.doesNotMatch(t.verbose, /Malformed|Expert Info \((Warning|Error)/);
    assert.doesNotMatch(t.expert, /\b(Warns|Errors)\b/, t.expert);
    assert.match(t.verbose, domain);
  });
}

test("NetFlow v9: a long flow exported after a shorter, later one moves the uptime epoch back without a restart or templates", async () => {
  const got = [];
  const meter = new lib.Meter([{
    maxflows: 16, hashsize: 32, inactiveTimeoutS: 15, activeTimeoutS: 1800, format: "v9",
    export: { mtu: 1400, engineId: 1, refreshRate: 1000, templateTimeoutS: 1800, destinations: 1 },
  }], 1n, (bytes) => lib.forEachDatagram(bytes, (d, dg) => got.push(Buffer.from(dg))));
  meter.setExportTime(1700000000);
  const T = 1_700_000_000_000_000_000n;
  const udp = (ts, sport) => ({ ts, data: P.eth(P.ETH_IPV4, P.ipv4(P.udp(sport, 53), { proto: 17, src: "192.0.2.1", dst: "192.0.2.2" })) });
  const tcp = (ts, flags) => ({ ts, data: P.eth(P.ETH_IPV4, P.ipv4(P.tcp(4000, 80, flags), { src: "192.0.2.1", dst: "192.0.2.3" })) });
  // the long UDP flow starts first; a TCP flow starts 10 s later and ends at once (FIN): it is
  // exported first, sealed on its own by a full datagram of short flows after it
  const packets = [udp(T, 1000), tcp(T + 10_000_000_000n, 0x02), tcp(T + 10_001_000_000n, 0x11)];
  for (let i = 0; i < 30; i++) packets.push(tcp(T + 10_002_000_000n + BigInt(i), 0x01), udp(T + 10_002_000_000n + BigInt(i), 2000 + i));
  packets.push(udp(T + 11_000_000_000n, 1000));
  await meterBatch(packets, {}, { meterState: { meter, text: () => "" } });
  assert.equal(meter.snapshot().uptimeRestarts, 0n);
  const templated = got.map((dg) => dg.readUInt16BE(20) === 0);
  assert.equal(templated[0], true);
  assert.deepEqual(templated.slice(1, -1).filter(Boolean), [], "no templates between the first and the final statistics");
});
