// The malformed fixtures through the control socket of a running flowprobe (issue 13's proof):
// each file of fixtures/malformed is fed on standard input (`-r -`), kept open, and
// `stat --json` is asked over the socket until every packet is read. Its figures must then
// be what EXPECT.tsv says of the file — a readable one: every frame read (the count
// EXPECT.tsv gives and capinfos, Debian's wireshark-common, reports); a damaged one: every
// record before the damage read — with read = metered + non-IP + skipped, and every skip
// reason's count the same as tshark finds (EXPECT.tsv gives no counts by reason: the test
// reads tshark's verdict on each frame's outer IP header, tsharkSkips below), as the core's
// own in-process reading of the file, and after standard input closes the end-of-run
// summary's line by line.
// A damaged file's damage is fed only after the socket's figures were taken: with the pipe
// open, a record cut short is not yet damage (more bytes may come), and the damage that
// a byte shows at once (a length that cannot be) ends the run; either way the figures of
// what came before are on the socket first. Then the rest is written, and the run must end
// with the error naming the byte offset, exit 1, and a summary equal to the socket's.
import { test } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { cli, fixtures } from "./helpers/run.mjs";
import { lib, meterBytes } from "./helpers/meter.mjs";
import { recordsBefore } from "./helpers/control.mjs";

const dir = path.join(fixtures, "malformed");
const rows = readFileSync(path.join(dir, "EXPECT.tsv"), "utf8").trim().split("\n").slice(1).map((l) => l.split("\t"));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function capinfosCount(file) {
  const r = spawnSync("capinfos", ["-M", "-c", "-T", "-r", file], { encoding: "utf8" });
  if (r.error) throw new Error(`capinfos is needed (apt-get install wireshark-common): ${r.error.message}`);
  const m = /\t(\d+)\s*$/.exec(r.stdout);
  return m ? Number(m[1]) : 0;
}


/**
 * The skip reasons tshark (Debian's, which nobody here wrote) finds in the first `frames`
 * frames: each frame's OUTERMOST IPv4/IPv6 layer (flowprobe meters the outer header) and the
 * expert items tshark puts in it — ip.bogus_ip_version / ipv6.bogus_ipv6_version: bad_version;
 * ip.bogus_header_length: bad_header_length; ip.bogus_ip_length (a total length under the
 * header, or past the frame's length on the wire) and ipv6.plen_exceeds_framing:
 * bad_total_length — and two by tshark's fields: an Ethernet frame shorter than its 14-byte
 * header (no eth.type) is truncated_link; an IPv4 header length past the bytes captured after
 * the Ethernet header (and its VLAN tags) is truncated_ip. The other reasons are not modelled
 * here: a file that showed one would fail, not pass.
 */
async function tsharkSkips(file, frames) {
  if (frames === 0) return {};
  const json = await new Promise((resolve, reject) => {
    const c = spawn("tshark", ["-r", file, "-T", "json", "--no-duplicate-keys", "-c", String(frames)], { stdio: ["ignore", "pipe", "ignore"] });
    let out = "";
    c.stdout.setEncoding("utf8").on("data", (d) => (out += d));
    c.on("error", reject).on("close", () => resolve(out));
  });
  const packets = JSON.parse(json);
  assert.equal(packets.length, frames, `${path.basename(file)}: tshark reads ${frames} frames`);
  const experts = (o, acc) => {
    if (Array.isArray(o)) for (const x of o) experts(x, acc);
    else if (o && typeof o === "object") {
      for (const [k, v] of Object.entries(o)) {
        if (k === "_ws.expert") for (const e of [v].flat()) for (const x of Object.keys(e)) !x.startsWith("_ws.expert") && acc.add(x);
        else experts(v, acc);
      }
    }
    return acc;
  };
  const out = {};
  const count = (k) => (out[k] = (out[k] ?? 0) + 1);
  for (const p of packets) {
    const L = p._source.layers;
    const protos = L.frame["frame.protocols"].split(":");
    const capLen = Number(L.frame["frame.cap_len"]);
    if (protos[0] === "eth" && L.eth?.["eth.type"] === undefined && capLen < 14) {
      count("truncated_link");
      continue;
    }
    const outer = protos.find((x) => x === "ip" || x === "ipv6");
    if (outer === undefined) continue;
    const layer = [L[outer]].flat()[0];
    const e = experts(layer, new Set());
    if (e.has("ip.bogus_ip_version") || e.has("ipv6.bogus_ipv6_version")) count("bad_version");
    else if (e.has("ip.bogus_header_length")) count("bad_header_length");
    else if (e.has("ip.bogus_ip_length") || e.has("ipv6.plen_exceeds_framing")) count("bad_total_length");
    else if (outer === "ip" && protos[0] === "eth") {
      const link = 14 + 4 * protos.slice(0, protos.indexOf("ip")).filter((x) => x === "vlan").length;
      if (Number(layer["ip.hdr_len"]) > capLen - link) count("truncated_ip");
    }
  }
  return out;
}

/** One stat --json answer over a new connection to `sock`, or undefined while nothing answers there. */
function statOf(sock) {
  return new Promise((resolve) => {
    const c = net.connect(sock);
    let buf = "";
    c.on("connect", () => c.write('{"cmd":"stat","json":true}\n'));
    c.on("data", (d) => {
      buf += d;
      if (buf.includes("\n")) {
        c.destroy();
        resolve(JSON.parse(buf.slice(0, buf.indexOf("\n"))));
      }
    });
    c.on("error", () => resolve(undefined));
  });
}

/** The summary's per-reason skip counts, by the reasons' keys (their words are SKIP_REASONS's). */
function summarySkips(stderr) {
  const line = /^ {2}skipped by reason: (.*)$/m.exec(stderr)?.[1];
  const out = {};
  if (line === undefined) return out;
  for (const part of line.split("; ")) {
    const m = /^(.*): ([\d,]+)$/.exec(part);
    assert.ok(m, `a reason and its count: ${part}`);
    const r = lib.SKIP_REASONS.find((x) => x.text === m[1]);
    assert.ok(r, `a known reason: ${m[1]}`);
    out[r.key] = Number(m[2].replace(/,/g, ""));
  }
  return out;
}

const num = (re, text) => {
  const m = re.exec(text);
  assert.ok(m, `${re} in ${text}`);
  return Number(m[1].replace(/,/g, ""));
};

/** Feeds the file's first `upTo` bytes, reads the socket's figures once every one of them is read, then the rest; returns both. */
async function viaSocket(file, upTo, want) {
  const tmp = mkdtempSync(path.join(tmpdir(), "prf-mal-"));
  const sock = path.join(tmp, "fp.sock");
  const bytes = readFileSync(file);
  const child = spawn(process.execPath, [cli, "-r", "-", "--seed", "1", "--control", sock], { stdio: ["pipe", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  child.stdin.on("error", () => {}); // (a run that ended at the damage takes no more)
  const closed = new Promise((resolve) => child.on("close", resolve));
  try {
    child.stdin.write(bytes.subarray(0, upTo));
    let stat;
    for (const end = Date.now() + 15000; ;) {
      const a = await statOf(sock);
      if (a?.ok && a.stat.meter.read === want && a.stat.input.bytes === upTo) {
        stat = a.stat;
        break;
      }
      if (child.exitCode !== null) assert.fail(`${path.basename(file)}: ended (exit ${child.exitCode}) before its figures came over the socket: ${stderr}`);
      if (Date.now() > end) assert.fail(`${path.basename(file)}: no stat with ${want} packets read of ${upTo} bytes: last ${JSON.stringify(a?.stat?.meter)}, ${stderr}`);
      await sleep(20);
    }
    child.stdin.end(bytes.subarray(upTo));
    const code = await closed;
    return { stat, code, stderr };
  } finally {
    child.kill("SIGKILL");
    rmSync(tmp, { recursive: true, force: true });
  }
}

test("malformed fixtures through a running flowprobe's control socket: read as EXPECT.tsv says, every skip reason's count = tshark's = the core's = the summary's", async (t) => {
  assert.ok(rows.length >= 60, "EXPECT.tsv lists the fixtures");
  const totals = {};
  // four at a time: each run is a process of its own
  const queue = [...rows];
  const one = async ([name, expect, what]) => {
    const file = path.join(dir, name);
    const bytes = readFileSync(file);
    let upTo, want;
    if (expect === "packets") {
      upTo = bytes.length;
      want = capinfosCount(file);
      const said = /^(\d+) frames from /.exec(what)?.[1];
      if (said !== undefined) assert.equal(want, Number(said), `${name}: capinfos counts the frames EXPECT.tsv says`);
    } else {
      assert.equal(expect, "damaged", `${name}: EXPECT.tsv says packets or damaged`);
      upTo = Number(/offset (\d+)/.exec(what)?.[1] ?? "0");
      want = recordsBefore(bytes, upTo);
    }
    const { stat, code, stderr } = await viaSocket(file, upTo, want);
    const m = stat.meter;
    assert.equal(m.read, m.metered + m.nonIp + m.skippedTotal, `${name}: read = metered + non-IP + skipped`);
    assert.equal(Object.values(m.skipped).reduce((a, b) => a + b, 0), m.skippedTotal, `${name}: the reasons add up to the skipped`);
    // the core's own reading of the same bytes, in process
    const core = (await meterBytes(bytes.subarray(0, upTo))).snap;
    const coreSkips = Object.fromEntries([...core.skipped].filter(([, v]) => v > 0n).map(([k, v]) => [k, Number(v)]));
    assert.deepEqual(m.skipped, coreSkips, `${name}: every skip reason as the core counts it`);
    assert.deepEqual(m.skipped, await tsharkSkips(file, want), `${name}: every skip reason as tshark's expert items and fields give it`);
    assert.deepEqual([m.metered, m.nonIp, m.bytes], [Number(core.metered), Number(core.nonIp), Number(core.bytes)], `${name}: metered, non-IP and bytes as the core's`);
    // the end-of-run summary, after standard input closed
    if (expect === "packets") {
      assert.equal(code, 0, `${name}: ${stderr}`);
    } else {
      assert.equal(code, 1, `${name}: a damaged file ends the run with exit 1: ${stderr}`);
      assert.match(stderr, new RegExp(`error: .*\\(byte offset ${upTo}\\)`), name);
    }
    if (want > 0 || expect === "packets") {
      assert.equal(num(/read ([\d,]+) packets?/, stderr), m.read, `${name}: the summary's packets read`);
      assert.equal(num(/metered ([\d,]+) packets?/, stderr), m.metered, `${name}: the summary's metered`);
      assert.equal(num(/non-IP ([\d,]+)/, stderr), m.nonIp, `${name}: the summary's non-IP`);
      assert.equal(num(/, skipped ([\d,]+)/, stderr), m.skippedTotal, `${name}: the summary's skipped`);
      assert.deepEqual(summarySkips(stderr), m.skipped, `${name}: the summary's skip reasons`);
    }
    for (const [k, v] of Object.entries(m.skipped)) totals[k] = (totals[k] ?? 0) + v;
  };
  await Promise.all(Array.from({ length: 4 }, async () => {
    for (let row; (row = queue.shift());) await one(row);
  }));
  t.diagnostic(`skipped over all the fixtures, by reason: ${JSON.stringify(totals)}`);
  // the reasons the fixtures are made to show do show
  for (const k of ["truncated_link", "bad_version", "bad_header_length", "bad_total_length"]) assert.ok(totals[k] > 0, `some fixture skips for ${k}: ${JSON.stringify(totals)}`);
});
