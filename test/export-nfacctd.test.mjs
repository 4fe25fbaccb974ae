// IPFIX and NetFlow v9 to a second collector nobody here wrote: pmacct's nfacctd (Debian's
// pmacct). Its printed totals, and its per-5-tuple sums, equal the oracle's — ports included:
// SCTP flows with both ports, ICMP flows (whose templates carry type and code and no ports,
// assembly/encode/records.ts) with ports 0 and 0, as the oracle keys them (nfacctd puts no ICMP
// type/code in the ports).
import { test } from "node:test";
import assert from "node:assert/strict";
import { flowprobe, oracleCaptures, canon } from "./helpers/run.mjs";
import { startNfacctd as nfacctd } from "./helpers/collector.mjs";

const keyOf = (src, dst, proto, sport, dport) => `${canon(src)}|${canon(dst)}|${proto}|${sport}|${dport}`;

const RUNS = [["10", "IPFIX", "zeek--http--bro.org.pcap"], ["10", "IPFIX", "zeek--ip6_esp.pcap"], ["10", "IPFIX", "zeek--mixed-vlan-mpls.pcap"],
  ["10", "IPFIX", "zeek--communityid--sctp.pcap"], ["10", "IPFIX", "zeek--icmp--icmp-ping.pcap"],
  ["9", "NetFlow v9", "zeek--http--bro.org.pcap"], ["9", "NetFlow v9", "zeek--ipv6-fragmented-dns.pcap"],
  ["9", "NetFlow v9", "zeek--communityid--sctp.pcap"], ["9", "NetFlow v9", "zeek--icmp--icmp-ping.pcap"], ["9", "NetFlow v9", "zeek--icmp--icmp6-ping.pcap"]];
for (const [protocol, label, name] of RUNS) {
  test(`${label} → pmacct nfacctd: ${name}`, async () => {
    const { file, oracle } = oracleCaptures().find((c) => c.name === name);
    const collector = await nfacctd();
    const r = flowprobe(["-r", file, "--seed", "1", "-d", `127.0.0.1:${collector.port}`, "--protocol", protocol]);
    const { lines, log } = await collector.stop();
    assert.equal(r.status, 0, r.stderr);
    assert.doesNotMatch(log, /malformed|incomplete|unable to read/i, log); // options templates and records included
    const got = new Map();
    let packets = 0, bytes = 0;
    for (const l of lines) {
      const k = keyOf(l.ip_src, l.ip_dst, Number(l.ip_proto), l.port_src, l.port_dst);
      const g = got.get(k) ?? { packets: 0, bytes: 0 };
      g.packets += l.packets;
      g.bytes += l.bytes;
      got.set(k, g);
      packets += l.packets;
      bytes += l.bytes;
    }
    assert.deepEqual({ packets, bytes }, { packets: oracle.ip_packets, bytes: oracle.ip_bytes }, `totals; nfacctd said: ${log.slice(-500)}`);
    const want = new Map();
    for (const f of oracle.flows) {
      const k = keyOf(f.src, f.dst, f.proto, f.sport, f.dport);
      const w = want.get(k) ?? { packets: 0, bytes: 0 };
      w.packets += f.packets;
      w.bytes += f.bytes;
      want.set(k, w);
    }
    assert.deepEqual(Object.fromEntries([...got].sort()), Object.fromEntries([...want].sort()), `nfacctd said: ${log.slice(-800)}`);
  });
}
