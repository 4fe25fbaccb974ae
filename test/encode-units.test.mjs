// Every encoder writes its units anywhere in the output region — here four targets, JSON
// lines, NetFlow v5, NetFlow v9 and IPFIX, share one meter, so each writes at whatever offset
// the others left — and the bytes are the same as when it writes alone. Each unit is as long
// as the message in it says it is: a v5 header's count of 48-byte records, the sum of a v9
// packet's flowsets (and its count of records, templates included), an IPFIX message's
// length field and its sets, each data set a whole number of records by its template; the
// JSON lines of a run each parse as JSON.
import { test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { lib } from "./helpers/meter.mjs";
import { fixtures } from "./helpers/run.mjs";

const CAPTURES = ["zeek--icmp--icmp6-ping.pcap", "zeek--http--bro.org.pcap", "zeek--communityid--sctp.pcap", "zeek--http-qinq-0.pcap", "derived--mixed-links.pcapng", "zeek--icmp--icmp-destunreach-udp.pcap"]
  .map((f) => path.join(fixtures, "pcaps", f));

const L = lib.layout;

/** The units of a drained output region (assembly/layout.ts UNIT_*): [kind, sink, offset, bytes]. */
function units(region) {
  const out = [];
  const dv = new DataView(region.buffer, region.byteOffset, region.byteLength);
  for (let o = 0; o + L.UNIT_HEADER <= region.length;) {
    const len = dv.getUint32(o + L.UH_LENGTH, true);
    out.push([dv.getUint16(o + L.UH_KIND, true), dv.getUint16(o + L.UH_SINK, true), o, region.subarray(o + L.UNIT_HEADER, o + L.UNIT_HEADER + len)]);
    o += (L.UNIT_HEADER + len + 3) & ~3;
  }
  return out;
}

const base = { maxflows: 20, hashsize: 64, inactiveTimeoutS: 15, activeTimeoutS: 1800 };
const exporting = (format, destinations, mtu = 1400) => ({ ...base, format, mac: format !== "v5", export: { mtu, engineId: 3, refreshRate: 4, templateTimeoutS: 600, destinations } });

/** Meters `files` through a meter of `targets`; returns its JSON text per target and its datagrams per destination (with the offset of each unit in the region). */
async function run(targets, files) {
  const json = new Map();
  const datagrams = new Map();
  const offsets = [];
  const sinks = {
    json: (lines, t) => json.set(t, (json.get(t) ?? "") + Buffer.from(lines).toString("utf8")),
    datagrams: (region) => {
      for (const [kind, d, at, bytes] of units(region)) {
        offsets.push([kind, at]);
        if (kind !== L.UNIT_DATAGRAM) continue;
        if (!datagrams.has(d)) datagrams.set(d, []);
        datagrams.get(d).push(Buffer.from(bytes));
      }
      // the host's decoder reads the same datagrams
      let n = 0;
      lib.forEachDatagram(region, () => n++);
      assert.equal(n, units(region).filter(([kind]) => kind === L.UNIT_DATAGRAM).length);
    },
  };
  const meter = new lib.Meter(targets, 1n, targets.every((t) => t.format === "json") ? sinks.json : targets.every((t) => t.format !== "json") ? sinks.datagrams : sinks);
  meter.setExportTime(1700000000);
  for (const f of files) await lib.meterFile(meter, f);
  await meter.flush();
  return { json, datagrams, offsets };
}

test("units: JSON, v5, v9 and IPFIX encoders write the same bytes beside one another as each alone", async () => {
  const mixed = await run([{ ...base, format: "json", mac: true }, exporting("v5", 1), exporting("v9", 2), exporting("ipfix", 1, 576)], CAPTURES);
  assert.ok(mixed.offsets.some(([kind, at]) => kind === L.UNIT_DATAGRAM && at > 0), "datagrams written at non-zero offsets");
  assert.ok(mixed.offsets.filter(([kind]) => kind === L.UNIT_JSON).length > 1, "JSON lines in more than one unit, between datagrams");
  const json = await run([{ ...base, format: "json", mac: true }], CAPTURES);
  const v5 = await run([exporting("v5", 1)], CAPTURES);
  const v9 = await run([exporting("v9", 2)], CAPTURES);
  const ipfix = await run([exporting("ipfix", 1, 576)], CAPTURES);
  assert.ok(json.json.get(0).length > 1000);
  assert.equal(mixed.json.get(0), json.json.get(0));
  assert.deepEqual(mixed.datagrams.get(0), v5.datagrams.get(0));
  assert.deepEqual(mixed.datagrams.get(1), v9.datagrams.get(0));
  assert.deepEqual(mixed.datagrams.get(2), v9.datagrams.get(1));
  assert.deepEqual(mixed.datagrams.get(3), ipfix.datagrams.get(0));
  for (const d of [0, 1, 2, 3]) assert.ok(mixed.datagrams.get(d).length > 2, `destination ${d} got datagrams`);
});

/** Checks one datagram against what its header announces; `templates` (id → record length) carries over between messages. */
function checkDatagram(dg, templates) {
  const version = dg.readUInt16BE(0);
  if (version === 5) {
    assert.equal(dg.length, 24 + 48 * dg.readUInt16BE(2), "v5: header, then count × 48-byte records");
    return dg.readUInt16BE(2);
  }
  const ipfix = version === 10;
  assert.ok(ipfix || version === 9, `version ${version}`);
  if (ipfix) assert.equal(dg.readUInt16BE(2), dg.length, "IPFIX: the message length is the unit's");
  let o = ipfix ? 16 : 20;
  let records = 0, flows = 0;
  while (o < dg.length) {
    const id = dg.readUInt16BE(o), len = dg.readUInt16BE(o + 2);
    assert.ok(len >= 4 && o + len <= dg.length, `set ${id} at ${o}: length ${len} within the message`);
    if (!ipfix) assert.equal(len % 4, 0, "v9: flowsets padded to 4");
    const end = o + len;
    if (id === (ipfix ? 2 : 0)) {
      for (let p = o + 4; p + 4 <= end;) {
        const tid = dg.readUInt16BE(p), n = dg.readUInt16BE(p + 2);
        let bytes = 0;
        for (let i = 0; i < n; i++) bytes += dg.readUInt16BE(p + 4 + i * 4 + 2);
        templates.set(tid, bytes);
        p += 4 + n * 4;
        records++;
      }
    } else if (id === (ipfix ? 3 : 1)) {
      if (ipfix) {
        const tid = dg.readUInt16BE(o + 4), n = dg.readUInt16BE(o + 6);
        let bytes = 0;
        for (let i = 0; i < n; i++) bytes += dg.readUInt16BE(o + 10 + i * 4 + 2);
        templates.set(tid, bytes);
      } else {
        const tid = dg.readUInt16BE(o + 4), scope = dg.readUInt16BE(o + 6), option = dg.readUInt16BE(o + 8);
        let bytes = 0;
        for (let i = 0; i < (scope + option) / 4; i++) bytes += dg.readUInt16BE(o + 10 + i * 4 + 2);
        templates.set(tid, bytes);
      }
      records++;
    } else {
      const size = templates.get(id);
      assert.ok(size > 0, `data set ${id} after its template`);
      const n = Math.floor((len - 4) / size);
      assert.ok(len - 4 - n * size < (ipfix ? 1 : 4), `data set ${id}: ${len - 4} bytes are whole records of ${size} (v9: and padding)`);
      records += n;
      if (id >= 256 && ![258, 259, 260].includes(id)) flows += n;
    }
    o = end;
  }
  assert.equal(o, dg.length, "the sets end where the message does");
  if (!ipfix) assert.equal(dg.readUInt16BE(2), records, "v9: the count is every record in the packet");
  return flows;
}

test("units: the length each message announces is the bytes its encoder wrote", async () => {
  const r = await run([exporting("v5", 1), exporting("v9", 1), exporting("ipfix", 1), exporting("ipfix", 1, 576), exporting("v9", 1, 9000)], CAPTURES);
  const json = await run([{ ...base, format: "json" }], CAPTURES);
  const lines = json.json.get(0).trim().split("\n");
  for (const line of lines) JSON.parse(line);
  const v4 = lines.filter((l) => !JSON.parse(l).src_addr.includes(":")).length;
  for (const [d, list] of r.datagrams) {
    const templates = new Map();
    const flows = list.reduce((n, dg) => n + checkDatagram(dg, templates), 0);
    assert.equal(flows, d === 0 ? v4 : lines.length, `destination ${d}: every flow in whole records`);
  }
});
