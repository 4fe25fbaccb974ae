// A capture written to flowprobe's standard input a piece at a time (`-r -`): the file header
// once, then records in phases whose flows the test can tell apart.
import * as P from "./packets.mjs";

export const T0 = 1_700_000_000;

/** pcap bytes: the file header (once). */
export function pcapHeader() {
  return P.pcapFile(1, []);
}

/** pcap records (no file header) of `packets`. */
export function records(packets) {
  return P.pcapFile(1, packets).subarray(24);
}

/** `n` one-packet UDP flows at second `t` (the destination port tells the phases apart). */
export function phase(t, n = 40) {
  const packets = [];
  for (let i = 0; i < n; i++) {
    packets.push({ ts: [t, i * 1000], data: P.eth(P.ETH_IPV4, P.ipv4(P.udp(10000 + i, 2000 + (t % 1000)), { proto: 17, src: "192.0.2.10", dst: "192.0.2.20" })) });
  }
  return records(packets);
}
