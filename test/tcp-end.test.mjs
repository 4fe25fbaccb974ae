// TCP flows after FIN or RST (--tcp-end-timeout, default 2 s): the flow waits that long for
// its last packets — the final ACK, the other side's FIN — instead of ending at the FIN and
// leaving them as one-packet flows of their own. Per-5-tuple totals still equal the oracles
// (oracle.test.mjs, export-nfcapd.test.mjs run with the default); here: one flow per 5-tuple
// on the shared captures whose connections close within a second, and the timing itself on
// hand-made packets.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { flowprobe, parseFlows, oracleCaptures } from "./helpers/run.mjs";
import * as P from "./helpers/packets.mjs";

/** Captures whose TCP connections close within a second: the FIN grace makes their flows one
 * per 5-tuple, where ending at the FIN split the closing packets off. */
const CLOSING = [
  "zeek--http--bro.org.pcap", "derived--be-nsec.pcap", "derived--le-tsresol-2pow.pcapng", "zeek--http--methods.pcap",
  "tcpdump--mptcp-v1.pcap", "zeek--http-qinq-0.pcap", "zeek--http-vlan-0.pcap", "zeek--ipv6-http-atomic-frag.pcap",
  "zeek--mixed-vlan-mpls.pcap", "zeek--vlan-qinqinq.pcap",
];
/** Captures with more flows than 5-tuples whatever the grace, and why (each checked below to
 * still have more, so the list cannot go stale). */
const SPLIT = new Map([
  ["zeek--ssh--ssh.pcap", "the client changes its ToS (a key field) after the handshake, and some connections idle past 15 s"],
  ["derived--be-epb-spb-opb.pcapng", "made from ssh.pcap: the same ToS changes"],
  ["zeek--ftp--bruteforce.pcap", "the FTP client changes its ToS (0 → 0x10) after the handshake"],
  ["zeek--irc-dcc-send.pcapng", "ToS changes within connections, and idle gaps longer than 15 s"],
  ["zeek--tunnels--Teredo.pcap", "connections idle longer than the 15 s inactive timeout"],
  ["tcpdump--isup.pcap", "an SCTP association idle for 17 s, past the 15 s inactive timeout"],
  ["derived--mixed-links.pcapng", "a host pinging itself: echo request and reply share the 5-tuple but not the ICMP type, which is in the key"],
  ["zeek--linux_dlt_sll2.pcap", "a host pinging itself (ICMP type is in the key)"],
  ["zeek--icmp--icmp6-mldv1.pcap", "two ICMPv6 types between the same addresses (ICMP type is in the key)"],
]);

const flowCount = (file, extra = []) => {
  const r = flowprobe(["-r", file, "--seed", "1", "--no-summary", ...extra]);
  assert.equal(r.status, 0, r.stderr);
  return parseFlows(r.stdout).length;
};

for (const { file, name, oracle } of oracleCaptures()) {
  test(`TCP end grace, flows per 5-tuple: ${name}`, () => {
    const n = flowCount(file);
    if (SPLIT.has(name)) {
      assert.ok(n > oracle.flow_count, `${name} is listed as split (${SPLIT.get(name)}) but has one flow per 5-tuple: take it off the list`);
      return;
    }
    assert.equal(n, oracle.flow_count, "one flow per 5-tuple");
    if (CLOSING.includes(name)) {
      // and it is the grace that does it: ending at the FIN splits the closing packets off
      assert.ok(flowCount(file, ["--tcp-end-timeout", "0"]) > oracle.flow_count);
    }
  });
}

test("TCP end grace: the captures listed as closing within a second are all among the shared ones", () => {
  const names = new Set(oracleCaptures().map((c) => c.name));
  for (const n of [...CLOSING, ...SPLIT.keys()]) assert.ok(names.has(n), n);
});

// one connection's packets one way: SYN at 0, data, FIN at 2 s, then what the case adds (seconds)
function capture(afterFin) {
  const pkt = (t, flags) => ({ ts: [1700000000 + Math.floor(t), Math.round((t % 1) * 1e6)], data: P.eth(P.ETH_IPV4, P.ipv4(P.tcp(40000, 80, flags), { src: "10.0.0.1", dst: "10.0.0.2" })) });
  const packets = [pkt(0, 0x02), pkt(1, 0x18), pkt(2, 0x11), ...afterFin.map(([t, flags]) => pkt(2 + t, flags))];
  const dir = mkdtempSync(path.join(tmpdir(), "fp-fin-"));
  const file = path.join(dir, "t.pcap");
  writeFileSync(file, P.pcapFile(1, packets));
  return { file, done: () => rmSync(dir, { recursive: true, force: true }) };
}

const run = (file, extra = []) => {
  const r = flowprobe(["-r", file, "--seed", "1", "--no-summary", ...extra]);
  assert.equal(r.status, 0, r.stderr);
  return parseFlows(r.stdout).sort((a, b) => (a.time_flow_start_ns < b.time_flow_start_ns ? -1 : 1));
};
const S = (s) => 1700000000_000000000n + BigInt(Math.round(s * 1e9));

test("TCP end grace: the last ACK after a FIN joins its flow, which ends as 'end of flow'", () => {
  const c = capture([[0.5, 0x10]]);
  try {
    const flows = run(c.file);
    assert.equal(flows.length, 1);
    assert.equal(flows[0].packets, 4n);
    assert.equal(flows[0].time_flow_end_ns, S(2.5));
    assert.equal(flows[0].flow_end_reason, 3n); // IPFIX flowEndReason 3: end of flow detected
    // --tcp-end-timeout 0: as before, the flow ends at the FIN and the ACK is a flow of its own
    const old = run(c.file, ["--tcp-end-timeout", "0"]);
    assert.deepEqual(old.map((f) => [f.packets, f.flow_end_reason]), [[3n, 3n], [1n, 4n]]);
  } finally {
    c.done();
  }
});

test("TCP end grace: a packet later than the grace after the FIN starts a new flow; the old one ended then", () => {
  const c = capture([[0.5, 0x10], [3.5, 0x10]]); // 3 s after the ACK: past the 2 s grace
  try {
    const flows = run(c.file);
    assert.deepEqual(flows.map((f) => [f.packets, f.flow_end_reason]), [[4n, 3n], [1n, 4n]]);
    // a longer grace keeps it
    assert.equal(run(c.file, ["--tcp-end-timeout", "5"]).length, 1);
  } finally {
    c.done();
  }
});

test("TCP end grace: a half-closed connection that keeps sending keeps its flow", () => {
  // after the FIN, a packet every second for 20 s (longer than the 15 s inactive timeout too)
  const c = capture(Array.from({ length: 20 }, (_, i) => [i + 1, 0x10]));
  try {
    const flows = run(c.file);
    assert.equal(flows.length, 1);
    assert.equal(flows[0].packets, 23n);
  } finally {
    c.done();
  }
});

test("TCP end grace: it ends the flow after the grace, not after the inactive timeout", () => {
  // after the FIN, a packet of another flow 5 s later moves the meter clock: the FIN'd flow has
  // left by then (idle past its grace), the other flow is still open at the end (forced)
  const pkt = (t, sport, flags) => ({ ts: [1700000000 + t, 0], data: P.eth(P.ETH_IPV4, P.ipv4(P.tcp(sport, 80, flags), { src: "10.0.0.1", dst: "10.0.0.2" })) });
  const dir = mkdtempSync(path.join(tmpdir(), "fp-fin-"));
  const file = path.join(dir, "t.pcap");
  try {
    writeFileSync(file, P.pcapFile(1, [pkt(0, 1000, 0x02), pkt(1, 1000, 0x11), pkt(1, 2000, 0x02), pkt(6, 2000, 0x10)]));
    const r = flowprobe(["-r", file, "--seed", "1", "--no-summary"]);
    const flows = parseFlows(r.stdout);
    // JSON lines come out in export order: the FIN'd flow first, at the packet of 6 s
    assert.deepEqual(flows.map((f) => [f.src_port, f.flow_end_reason]), [[1000n, 3n], [2000n, 4n]]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("TCP end grace: a new SYN on the same ports after a FIN is a new connection, a new flow", () => {
  const c = capture([[1, 0x02], [2, 0x18], [5, 0x18]]); // SYN 1 s after the FIN, then data for seconds
  try {
    const flows = run(c.file);
    assert.deepEqual(flows.map((f) => [f.packets, f.flow_end_reason]), [[3n, 3n], [3n, 4n]]);
    assert.equal(flows[1].time_flow_start_ns, S(3));
  } finally {
    c.done();
  }
});

test("TCP end grace: never longer than the inactive timeout", () => {
  const c = capture([[1.5, 0x10]]); // an ACK 1.5 s after the FIN
  try {
    // --tcp-end-timeout 5 with --inactive-timeout 1: the closing flow waits 1 s, as an idle one would
    assert.equal(run(c.file, ["--tcp-end-timeout", "5", "--inactive-timeout", "1"]).length, 2);
    assert.equal(run(c.file, ["--tcp-end-timeout", "5", "--inactive-timeout", "3"]).length, 1);
  } finally {
    c.done();
  }
});
