// Field lists (--fields, TargetConfig.fields; src/config/fields.ts names them, the core's
// configureField takes them): custom templates of 4, 10 and 25 fields, in IPFIX and NetFlow
// v9, decoded by tshark with no malformed packet and no expert warning, every flow record
// read and its byte counts summing to the oracle's; the templates as the list says (each
// family's addresses in its own templates, counterparts added, no ports in the ICMP ones);
// and a list without ports read back by nfcapd/nfdump: one flow per host pair and protocol,
// whose totals are the oracle's flows summed by host pair and protocol.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { lib } from "./helpers/meter.mjs";
import { fixtures, flowprobe, oracleCaptures, canon } from "./helpers/run.mjs";
import { startNfcapd } from "./helpers/collector.mjs";
import * as P from "./helpers/packets.mjs";

const PORT = 4739;
const FLOW_TEMPLATE_IDS = [256, 257, 261, 262];

const LISTS = {
  4: {
    ipfix: ["sourceIPv4Address", "destinationIPv4Address", "protocolIdentifier", "octetDeltaCount"],
    v9: ["IPV4_SRC_ADDR", "IPV4_DST_ADDR", "PROTOCOL", "IN_BYTES"],
  },
  10: {
    ipfix: ["sourceIPv4Address", "destinationIPv4Address", "protocolIdentifier", "octetDeltaCount", "packetDeltaCount",
      "sourceTransportPort", "destinationTransportPort", "flowStartMilliseconds", "flowEndMilliseconds", "icmpTypeCodeIPv4"],
    v9: ["ipv4_src_addr", "ipv4_dst_addr", "Protocol", "IN_BYTES", "IN_PKTS", "L4_SRC_PORT", "L4_DST_PORT", "FIRST_SWITCHED", "LAST_SWITCHED", "ICMP_TYPE"],
  },
  25: {
    ipfix: ["sourceIPv4Address", "destinationIPv4Address", "sourceIPv6Address", "destinationIPv6Address", "sourceTransportPort",
      "destinationTransportPort", "icmpTypeCodeIPv4", "icmpTypeCodeIPv6", "protocolIdentifier", "ipClassOfService", "tcpControlBits",
      "octetDeltaCount", "packetDeltaCount", "flowStartMilliseconds", "flowEndMilliseconds", "ingressInterface", "egressInterface",
      "ipNextHopIPv4Address", "ipNextHopIPv6Address", "vlanId", "dot1qCustomerVlanId", "flowEndReason", "flowDirection", "minimumTTL", "maximumTTL"],
    v9: ["IPV4_SRC_ADDR", "IPV4_DST_ADDR", "IPV6_SRC_ADDR", "IPV6_DST_ADDR", "L4_SRC_PORT", "L4_DST_PORT", "ICMP_TYPE", "PROTOCOL",
      "SRC_TOS", "TCP_FLAGS", "IN_BYTES", "IN_PKTS", "FIRST_SWITCHED", "LAST_SWITCHED", "INPUT_SNMP", "OUTPUT_SNMP", "IPV4_NEXT_HOP",
      "IPV6_NEXT_HOP", "SRC_VLAN", "DIRECTION", "MIN_TTL", "MAX_TTL", "IN_SRC_MAC", "IN_DST_MAC", "flowEndReason"],
  },
};

/** Meters a capture into datagrams for one collector; returns them. */
async function datagramsOf(file, format, fields) {
  const got = [];
  const meter = new lib.Meter([{
    maxflows: 100000, hashsize: 262144, inactiveTimeoutS: 15, activeTimeoutS: 1800, format, fields,
    export: { mtu: 1400, engineId: 7, refreshRate: 20, templateTimeoutS: 1800, destinations: 1 },
  }], 1n, (bytes) => lib.forEachDatagram(bytes, (d, dg) => got.push(Buffer.from(dg))));
  meter.setExportTime(1700000000);
  await lib.meterFile(meter, file);
  await meter.flush();
  return got;
}

/** tshark over the datagrams, wrapped in UDP to PORT: its verbose text, its expert summary and the octet counts it reads. */
function tshark(datagrams) {
  const dir = mkdtempSync(path.join(tmpdir(), "fld-tshark-"));
  try {
    const pcap = path.join(dir, "flows.pcap");
    writeFileSync(pcap, P.pcapFile(1, datagrams.map((dg, i) => ({
      ts: [1700000000, i], data: P.eth(P.ETH_IPV4, P.ipv4(P.udp(40000, PORT, dg), { proto: 17, src: "127.0.0.1", dst: "127.0.0.1" })),
    }))));
    const args = ["-n", "-r", pcap, "-d", `udp.port==${PORT},cflow`];
    const expert = spawnSync("tshark", [...args, "-q", "-z", "expert,warn"], { encoding: "utf8" });
    const verbose = spawnSync("tshark", [...args, "-V"], { encoding: "utf8", maxBuffer: 1 << 28 });
    const octets = spawnSync("tshark", [...args, "-T", "fields", "-e", "cflow.octets"], { encoding: "utf8", maxBuffer: 1 << 28 });
    return { expert: expert.stdout + expert.stderr, verbose: verbose.stdout, octets: octets.stdout };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The flow templates of the first message: Map id → [[element id, length]] (RFC 7011 §3.4.1, RFC 3954 §5.2). */
function templatesOf(dg) {
  const ipfix = dg.readUInt16BE(0) === 10;
  const out = new Map();
  for (let o = ipfix ? 16 : 20; o + 4 <= dg.length; o += dg.readUInt16BE(o + 2)) {
    if (dg.readUInt16BE(o) !== (ipfix ? 2 : 0)) continue;
    const end = o + dg.readUInt16BE(o + 2);
    for (let p = o + 4; p + 4 <= end;) {
      const id = dg.readUInt16BE(p), n = dg.readUInt16BE(p + 2);
      const fields = [];
      for (let k = 0; k < n; k++) fields.push([dg.readUInt16BE(p + 4 + 4 * k), dg.readUInt16BE(p + 6 + 4 * k)]);
      out.set(id, fields);
      p += 4 + 4 * n;
    }
  }
  return out;
}

const CAPTURES = ["zeek--http--methods.pcap", "zeek--ip6_esp.pcap", "derived--mixed-links.pcapng", "zeek--icmp--icmp6-ping.pcap", "zeek--http-qinq-0.pcap"];

for (const size of [4, 10, 25]) for (const format of ["ipfix", "v9"]) {
  test(`tshark decodes a ${size}-field ${format === "ipfix" ? "IPFIX" : "NetFlow v9"} template set cleanly, and every byte of every flow`, async () => {
    const list = LISTS[size][format];
    assert.equal(list.length, size);
    for (const name of CAPTURES) {
      const { file, oracle } = oracleCaptures().find((c) => c.name === name);
      const datagrams = await datagramsOf(file, format, list);
      assert.ok(datagrams.length > 0);
      const t = tshark(datagrams);
      assert.doesNotMatch(t.verbose, /Malformed|Expert Info \((Warning|Error)/, `${name}`);
      assert.doesNotMatch(t.expert, /\b(Warns|Errors)\b/, `${name}: ${t.expert}`);
      assert.equal(t.verbose.split("\n").filter((l) => /^Frame \d+:/.test(l)).length, datagrams.length, "every datagram decoded");
      // every flow record read, each with its bytes: they sum to the capture's IP bytes
      const octets = t.octets.split(/[\n,]/).filter(Boolean).reduce((n, x) => n + BigInt(x), 0n);
      assert.equal(octets, BigInt(oracle.ip_bytes), `${name}: octets as tshark reads them`);
      // the templates: the list's fields, each family's in its own templates, in list order
      const tm = templatesOf(datagrams[0]);
      assert.deepEqual([...tm.keys()], FLOW_TEMPLATE_IDS);
      const v4 = tm.get(256).map(([id]) => id), v6 = tm.get(257).map(([id]) => id);
      assert.ok(v4.includes(8) && !v4.includes(27) && v6.includes(27) && !v6.includes(8), "addresses by family");
      const icmp4 = tm.get(261).map(([id]) => id), icmp6 = tm.get(262).map(([id]) => id);
      assert.ok(!icmp4.includes(7) && !icmp4.includes(11) && !icmp6.includes(7), "no ports in the ICMP templates");
      if (size >= 10) assert.ok(icmp4.includes(32) && icmp6.includes(format === "ipfix" ? 139 : 32), "ICMP type and code");
      // IPv4 non-ICMP: the list less the IPv6 fields and the ICMP type/code (IPFIX's 25 name two of those, v9's one)
      assert.equal(v4.length, { 4: 4, 10: 9, 25: format === "ipfix" ? 20 : 21 }[size]);
    }
  });
}

test("a 4-field list: its templates are exactly the list, the IPv6 ones with the counterparts in place (IPFIX lengths; v9's TCP_FLAGS in 1 byte)", async () => {
  const file = path.join(fixtures, "pcaps", "zeek--http--methods.pcap");
  const tm = templatesOf((await datagramsOf(file, "ipfix", LISTS[4].ipfix))[0]);
  assert.deepEqual(tm.get(256), [[8, 4], [12, 4], [4, 1], [1, 8]]);
  assert.deepEqual(tm.get(257), [[27, 16], [28, 16], [4, 1], [1, 8]]);
  assert.deepEqual(tm.get(261), [[8, 4], [12, 4], [4, 1], [1, 8]]);
  const v9 = templatesOf((await datagramsOf(file, "v9", ["IPV6_SRC_ADDR", "TCP_FLAGS", "IN_PKTS"]))[0]);
  assert.deepEqual(v9.get(256), [[8, 4], [6, 1], [2, 8]]);
  assert.deepEqual(v9.get(257), [[27, 16], [6, 1], [2, 8]]);
});

test("a list naming a MAC field turns the MACs on and places them; --mac adds both at the end of a list without them", async () => {
  const file = path.join(fixtures, "pcaps", "zeek--http--methods.pcap");
  const withMacs = async (mac, fields = ["IPV4_SRC_ADDR", "IN_SRC_MAC", "IN_BYTES"]) => {
    const got = [];
    const meter = new lib.Meter([{
      maxflows: 1000, hashsize: 2048, inactiveTimeoutS: 15, activeTimeoutS: 1800, format: "ipfix", mac, fields,
      export: { mtu: 1400, engineId: 7, refreshRate: 20, templateTimeoutS: 1800, destinations: 1 },
    }], 1n, (bytes) => lib.forEachDatagram(bytes, (d, dg) => got.push(Buffer.from(dg))));
    await lib.meterFile(meter, file);
    await meter.flush();
    return got;
  };
  for (const mac of [false, true]) {
    const got = await withMacs(mac);
    const tm = templatesOf(got[0]);
    assert.deepEqual(tm.get(256), [[8, 4], [56, 6], [1, 8]], "the MAC fields the list names, where it names them");
    // the source MACs as tshark reads them: the capture's own, not zeros
    const t = tshark(got);
    assert.doesNotMatch(t.verbose, /Malformed|Expert Info \((Warning|Error)/);
    const macs = new Set([...t.verbose.matchAll(/Source Mac Address: (\S+)/g)].map((m) => m[1]));
    assert.ok(macs.size >= 1 && !macs.has("00:00:00:00:00:00"), [...macs].join());
  }
  // a list without MAC fields and --mac: both at the end, as the default templates have them
  assert.deepEqual(templatesOf((await withMacs(true, ["IPV4_SRC_ADDR", "IN_BYTES"]))[0]).get(256), [[8, 4], [1, 8], [56, 6], [80, 6]]);
});

// ---- nfdump reads a field-list target keyed without ports ----

const NO_PORTS = ["sourceIPv4Address", "destinationIPv4Address", "protocolIdentifier", "octetDeltaCount", "packetDeltaCount", "flowStartMilliseconds", "flowEndMilliseconds"];
const NO_PORTS_V9 = ["IPV4_SRC_ADDR", "IPV4_DST_ADDR", "PROTOCOL", "IN_BYTES", "IN_PKTS", "FIRST_SWITCHED", "LAST_SWITCHED"];

/** Per src|dst|proto: { packets, bytes }, from the oracle or from nfdump's flows. */
function byHostPair(flows) {
  const m = new Map();
  for (const f of flows) {
    const k = `${canon(f.src)}|${canon(f.dst)}|${f.proto}`;
    const g = m.get(k) ?? { packets: 0n, bytes: 0n, flows: 0 };
    g.packets += BigInt(f.packets);
    g.bytes += BigInt(f.bytes);
    g.flows++;
    m.set(k, g);
  }
  return m;
}

for (const [name, protocol, list] of [
  ["zeek--http--methods.pcap", "10", NO_PORTS], ["zeek--ftp--bruteforce.pcap", "9", NO_PORTS_V9], ["zeek--irc-dcc-send.pcapng", "10", NO_PORTS],
  ["zeek--ipv6-http-atomic-frag.pcap", "10", NO_PORTS], ["zeek--ipv6-fragmented-dns.pcap", "9", NO_PORTS_V9], ["zeek--tunnels--Teredo.pcap", "10", NO_PORTS],
  ["zeek--pcapng-multi-interface.pcapng", "9", NO_PORTS_V9],
]) {
  test(`a field list without ports → nfcapd (protocol ${protocol}): one flow per host pair and protocol, totals = the oracle's by the same key: ${name}`, async () => {
    const { file, oracle } = oracleCaptures().find((c) => c.name === name);
    const nf = await startNfcapd();
    // timeouts longer than the capture: only the key can split flows
    const r = flowprobe(["-r", file, "--seed", "1", "-d", `127.0.0.1:${nf.port}`, "--protocol", protocol, "--fields", list.join(","),
      "--inactive-timeout", "86400", "--active-timeout", "604800"]);
    const { flows, log } = await nf.stop();
    assert.equal(r.status, 0, r.stderr);
    assert.match(log, /Bad Packets: 0/, log);
    const got = byHostPair(flows.map((f) => ({
      src: f.src4_addr ?? f.src6_addr, dst: f.dst4_addr ?? f.dst6_addr, proto: f.proto, packets: f.in_packets, bytes: f.in_bytes,
    })));
    for (const f of flows) assert.ok(!f.src_port && !f.dst_port, "no ports sent");
    const want = byHostPair(oracle.flows);
    assert.ok(want.size < oracle.flow_count, "the capture has host pairs with several 5-tuples");
    assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort());
    for (const [k, w] of want) {
      assert.equal(got.get(k).packets, w.packets, `packets of ${k}`);
      assert.equal(got.get(k).bytes, w.bytes, `bytes of ${k}`);
      assert.equal(got.get(k).flows, 1, `one flow for ${k}`);
    }
  });
}
