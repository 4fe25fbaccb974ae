// Per-target keys: the parser fills the full key once per packet, and a target keyed on fewer
// fields derives its own key from it (assembly/cache/key.ts). Two targets on one meter see
// the same packets: the one keyed on everything has a flow per 5-tuple, the one keyed on
// addresses and protocol one per host pair and protocol, ports zero, the counts summed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { lib, defaults } from "./helpers/meter.mjs";
import { parseFlows } from "./helpers/run.mjs";
import * as P from "./helpers/packets.mjs";

test("key: a target keyed on addresses and protocol meets the flows the full key tells apart", async () => {
  const packets = [];
  for (let i = 0; i < 12; i++) {
    const src = `10.0.0.${1 + (i % 2)}`;
    packets.push({ ts: [1700000000, i * 1000], data: P.eth(P.ETH_IPV4, P.ipv4(P.tcp(3000 + i, 80), { src, proto: 6 })) });
    packets.push({ ts: [1700000000, i * 1000 + 1], data: P.eth(P.ETH_IPV6, P.ipv6(P.udp(4000 + i, 53), { nh: 17 })) });
  }
  const dir = mkdtempSync(path.join(tmpdir(), "fp-key-"));
  const file = path.join(dir, "k.pcap");
  writeFileSync(file, P.pcapFile(1, packets));
  const text = ["", ""];
  const meter = new lib.Meter([{ ...defaults }, { ...defaults, keyFields: ["src_addr", "dst_addr", "proto"] }], 1n, {
    json: (lines, t) => (text[t] += Buffer.from(lines).toString("utf8")),
  });
  try {
    await lib.meterFile(meter, file);
    await meter.flush();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const full = parseFlows(text[0]), pairs = parseFlows(text[1]);
  assert.equal(full.length, 24);
  const got = pairs.map((f) => `${f.src_addr} ${f.dst_addr} ${f.proto} ${f.src_port} ${f.dst_port} ${f.packets}`).sort();
  assert.deepEqual(got, ["10.0.0.1 10.0.0.2 6 0 0 6", "10.0.0.2 10.0.0.2 6 0 0 6", "2001:db8::1 2001:db8::2 17 0 0 12"]);
  const sum = (list, k) => list.reduce((n, f) => n + f[k], 0n);
  assert.equal(sum(pairs, "bytes"), sum(full, "bytes"));
  assert.throws(() => new lib.Meter([{ ...defaults, keyFields: ["ports"] }], 1n, () => {}), /no key field ports/);
});
