// Every file in fixtures/malformed behaves as its EXPECT.tsv line says: no trap, no crash;
// a readable file is metered to its end; a damaged one is metered up to the damage, then a
// clear error names the byte offset and the exit status is non-zero. Nothing vanishes:
// packets read = metered + non-IP + skipped; for a readable file read = the frame count
// capinfos (Debian's wireshark-common, which nobody here wrote) reports, for a damaged one
// read = the records that start before the damaged one.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { flowprobe, fixtures, parseFlows } from "./helpers/run.mjs";
import { meterBytes } from "./helpers/meter.mjs";
import { recordsBefore } from "./helpers/control.mjs";

const dir = path.join(fixtures, "malformed");
const rows = readFileSync(path.join(dir, "EXPECT.tsv"), "utf8").trim().split("\n").slice(1).map((l) => l.split("\t"));

function capinfosCount(file) {
  const r = spawnSync("capinfos", ["-M", "-c", "-T", "-r", file], { encoding: "utf8" });
  if (r.error) throw new Error(`capinfos is needed (apt-get install wireshark-common): ${r.error.message}`);
  const m = /\t(\d+)\s*$/.exec(r.stdout);
  return m ? BigInt(m[1]) : 0n;
}


for (const [name, expect, what] of rows) {
  test(`malformed: ${name} (${expect})`, async () => {
    const file = path.join(dir, name);
    const cli = flowprobe(["-r", file, "--seed", "1"]);
    assert.equal(cli.status === null, false, `killed by ${cli.signal}`);
    const lib = await meterBytes(readFileSync(file));
    const s = lib.snap;
    assert.equal(s.read, s.metered + s.nonIp + s.skippedTotal, "read = metered + non-IP + skipped");
    // what was metered was exported
    const flows = parseFlows(cli.stdout);
    assert.equal(flows.reduce((n, f) => n + f.packets, 0n), s.metered);
    if (expect === "packets") {
      assert.equal(cli.status, 0, cli.stderr);
      assert.equal(lib.error, undefined);
      assert.equal(s.read, capinfosCount(file), "packets read = capinfos frame count");
    } else {
      assert.equal(expect, "damaged");
      assert.notEqual(cli.status, 0);
      const offset = /offset (\d+)/.exec(what)?.[1] ?? "0";
      assert.match(cli.stderr, new RegExp(`error: .*\\(byte offset ${offset}\\)`));
      assert.equal(lib.error?.offset, Number(offset));
      const bytes = readFileSync(file);
      assert.equal(s.read, BigInt(recordsBefore(bytes, Number(offset))), "everything before the damage is read");
    }
  });
}
