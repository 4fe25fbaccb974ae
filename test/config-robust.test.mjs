// Any input to the config readers (found by review): whatever the file, the selector or the
// prefix file holds, the answer is a usage error (exit status 2) naming what is wrong — never
// a stack overflow, a built-in of JavaScript's objects taken for a known name, or an internal
// error (exit 70) — at a cost and in a message bounded whatever the input's size; a reload,
// which reads the file again while someone edits it, relies on that. Also: a UTF-8 byte order
// mark is skipped, the file's global fields and aggregation take lists as a target's keys do,
// and the send queues of many targets share one stop listener (Node warned of a leak from
// eleven on).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { getEventListeners } from "node:events";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { cli, flowprobe, fixtures, root } from "./helpers/run.mjs";
import { mulberry32 } from "../bench/gen.mjs";

const require = createRequire(import.meta.url);
const lib = require("../dist/lib.cjs");
const sample = path.join(fixtures, "pcaps", "zeek--http--bro.org.pcap");

/** A folder of its own for the test's files; removed after fn. */
function inDir(fn) {
  const dir = mkdtempSync(path.join(tmpdir(), "fxc-cfg-"));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** parseOptions on config text: the options, or the error it threw. */
function optionsOf(dir, text, args = []) {
  const f = path.join(dir, "flowprobe.json");
  writeFileSync(f, text);
  try {
    return { options: lib.parseOptions(["--config", f, ...args]) };
  } catch (error) {
    return { error };
  }
}

/** That `r` is a usage error of ours (exit 2) and no bug caught on the way (asUsageError's wording). */
function assertUsage(r, what) {
  if (!r.error) return;
  assert.ok(r.error instanceof lib.UsageError, `${what}: ${r.error?.stack ?? r.error}`);
  assert.equal(r.error.exitCode, 2, what);
  assert.doesNotMatch(r.error.message, /could not be checked|a bug in flowprobe/, what);
  assert.ok(r.error.message.length < 1000, `${what}: a message of ${r.error.message.length} characters`);
}

// The names an object finds without being given them: each where a user's key or word goes.
const BUILT_INS = ["constructor", "__proto__", "toString", "valueOf", "hasOwnProperty", "isPrototypeOf", "__defineGetter__", "toLocaleString", "prototype", "length"];

test("a key or word named after a built-in of objects is unknown wherever it goes: a usage error, never an option or a protocol", () => {
  inDir((dir) => {
    for (const b of BUILT_INS) {
      const q = JSON.stringify(b);
      const target = (extra) => `{ "read": ${JSON.stringify(sample)}, "targets": [{ "name": "a", "destinations": ["127.0.0.1:2055"]${extra} }] }`;
      const cases = {
        global: `{ "read": ${JSON.stringify(sample)}, ${q}: 1 }`,
        target: target(`, ${q}: 1`),
        timeouts: target(`, "timeouts": { ${q}: 5 }`),
        protocol: target(`, "protocol": ${q}`),
        mode: target(`, "mode": ${q}`),
        source: target(`, "source": ${q}`),
        select: target(`, "select": ${q}`),
        "select proto": target(`, "select": "proto ${b}"`),
        "select qualifier": target(`, "select": "${b} port 80"`),
        "select after tcp": target(`, "select": "tcp ${b} 80"`),
        fields: target(`, "fields": [${q}]`),
        aggregation: target(`, "aggregation": [${q}]`),
        "global fields": `{ "read": ${JSON.stringify(sample)}, "fields": ${q}, "targets": [{ "name": "a", "destinations": ["127.0.0.1:2055"] }] }`,
        "global progress": `{ "read": ${JSON.stringify(sample)}, "progress": ${q} }`,
      };
      for (const [where, text] of Object.entries(cases)) {
        const r = optionsOf(dir, text);
        assertUsage(r, `${b} as ${where}`);
        assert.ok(r.error, `${b} as ${where} was accepted`);
      }
    }
    // an interface may be named so: ifindex_map takes it as the name it is
    for (const b of BUILT_INS) {
      const r = optionsOf(dir, `{ "interfaces": "eth0", "ifindex_map": { ${JSON.stringify(b)}: 5 } }`);
      assertUsage(r, `${b} in ifindex_map`);
      if (/^[A-Za-z0-9_.:@-]{1,15}$/.test(b)) assert.deepEqual([...r.options.ifindexMap], [[b, 5]], b);
      else assert.match(r.error.message, /: expected NAME=NUMBER/, b);
    }
    // the command line's selector too: proto constructor was proto 0
    for (const b of BUILT_INS) {
      assert.throws(() => lib.compileSelector(b), lib.SelectorError, b);
      assert.throws(() => lib.compileSelector(`proto ${b}`), { message: new RegExp(`^select: "proto ${b}": unknown protocol "${b}": expected icmp, `) });
    }
  });
});

test("mutations of the documented config: each one reads or is a usage error of ours (fixed-seed fuzz)", () => {
  const doc = readFileSync(path.join(root, "docs", "config.md"), "utf8");
  const example = /```json\n([\s\S]*?)```/.exec(doc)[1];
  const pieces = ['"', "{", "}", "[", "]", ",", ":", "\\", "\\u", "\uFEFF", "0", "-1", "1e999", "99999999999999999999", "true", "null", '"constructor"', '"__proto__"', "[[[[[[[[", "\n", "\u0000"];
  const random = mulberry32(12);
  const pick = (n) => Math.floor(random() * n);
  inDir((dir) => {
    let read = 0;
    for (let n = 0; n < 400; n++) {
      let text = example;
      for (let k = 1 + pick(3); k > 0; k--) {
        const at = pick(text.length + 1);
        const op = pick(3);
        const piece = pieces[pick(pieces.length)];
        text = op === 0 ? text.slice(0, at) + text.slice(at + 1 + pick(8))
          : op === 1 ? text.slice(0, at) + piece + text.slice(at)
          : text.slice(0, at) + piece + text.slice(at + piece.length);
      }
      const r = optionsOf(dir, text);
      assertUsage(r, `mutation ${n}: ${JSON.stringify(text)}`);
      if (!r.error) read++;
    }
    assert.ok(read > 0 && read < 400, `${read} of 400 mutations read`);
  });
});

test("a bad file at start ends with exit 2 and one line, whatever it holds (a stack overflow was exit 70)", () => {
  inDir((dir) => {
    for (const [name, text] of [
      ["deep-lists", `{"targets":${"[".repeat(100000)}${"]".repeat(100000)}}`],
      ["deep-objects", `${'{"a":'.repeat(100000)}1${"}".repeat(100000)}`],
      ["constructor", `{ "read": ${JSON.stringify(sample)}, "targets": [{ "name": "a", "destinations": ["127.0.0.1:2055"], "timeouts": { "constructor": 5 } }] }`],
    ]) {
      writeFileSync(path.join(dir, `${name}.json`), text);
      const r = flowprobe(["--config", `${name}.json`], { cwd: dir });
      assert.equal(r.status, 2, `${name}: ${r.stderr}`);
      assert.match(r.stderr, new RegExp(`^flowprobe: error: ${name}\\.json: [^\\n]+\\n$`), name);
      assert.doesNotMatch(r.stderr, /internal error/);
    }
  });
});

test("a file over 16 MiB is refused before it is parsed, a regular file by its size and a pipe as it comes", () => {
  const big = `{ "read": "-", "filter": "${"a".repeat(17 << 20)}" }`;
  inDir((dir) => {
    writeFileSync(path.join(dir, "big.json"), big);
    const r = flowprobe(["--config", "big.json"], { cwd: dir });
    assert.equal(r.stderr, `flowprobe: error: --config big.json: ${big.length} bytes, over the 16 MiB a config file may have (is it the right file?)\n`);
    assert.equal(r.status, 2);
  });
  // (through a pipe of the shell's: node's own stdin pipe is a socket, which /dev/stdin cannot open)
  inDir((dir) => {
    writeFileSync(path.join(dir, "big.json"), big);
    const p = spawnSync("sh", ["-c", `cat big.json | "${process.execPath}" "${cli}" --config /dev/stdin`], { cwd: dir, encoding: "utf8" });
    assert.equal(p.stderr, `flowprobe: error: --config /dev/stdin: more than ${16 << 20} bytes, over the 16 MiB a config file may have (is it the right file?)\n`);
    assert.equal(p.status, 2);
  });
  // just under it: read
  inDir((dir) => {
    const r = optionsOf(dir, `{ "interfaces": "eth0", "filter": "${"a".repeat((16 << 20) - 64)}" }`);
    assert.equal(r.error, undefined);
    assert.equal(r.options.filter.length, (16 << 20) - 64);
  });
});

test("strings of the file are read exactly: runs between escapes, every escape, surrogate pairs, long runs", () => {
  const values = ["plain", "", 'a"b', "\\", "/x/", "\b\f\n\r\t", "é ü ✓ 😀", "\u0001\u001f", `${"x".repeat(100000)}\\"${"y".repeat(50000)}`, '"start', 'end"', "\\\\\\"];
  inDir((dir) => {
    for (const v of values) {
      // written with JSON.stringify's escapes, and with every character as \uXXXX
      const escaped = `"${v.split("").map((u) => `\\u${u.charCodeAt(0).toString(16).padStart(4, "0")}`).join("")}"`; // (code units: a pair as two escapes)
      for (const written of [JSON.stringify(v), escaped]) {
        if (v === "") continue; // (an empty filter is refused: not a string test)
        const r = optionsOf(dir, `{ "interfaces": "eth0", "filter": ${written.replace(/\//g, "\\/")} }`);
        assert.equal(r.error, undefined, `${written.slice(0, 80)}: ${r.error?.message}`);
        assert.equal(r.options.filter, v, written.slice(0, 80));
      }
    }
  });
});

test("a UTF-8 byte order mark at the start of the file is skipped (it was refused with an invisible character)", () => {
  inDir((dir) => {
    const text = JSON.stringify({ read: sample, seed: 7, inactive_timeout: 5, targets: [{ name: "all", protocol: "json" }] });
    const plain = optionsOf(dir, text);
    const bom = optionsOf(dir, `\uFEFF${text}`);
    assert.equal(bom.error, undefined, bom.error?.message);
    assert.deepEqual(bom.options, plain.options);
    writeFileSync(path.join(dir, "bom.json"), `\uFEFF${text}`);
    writeFileSync(path.join(dir, "plain.json"), text);
    const r = flowprobe(["--config", "bom.json", "--no-summary"], { cwd: dir });
    assert.equal(r.status, 0, r.stderr);
    assert.ok(r.stdout.length > 0);
    assert.equal(r.stdout, flowprobe(["--config", "plain.json", "--no-summary"], { cwd: dir }).stdout, "the flows of the file without the mark");
    // a BOM anywhere else is still no JSON
    const inside = optionsOf(dir, `{ \uFEFF"read": "-" }`);
    assert.match(inside.error?.message, /: line 1, column 3: expected a key in double quotes, found the invisible character U\+FEFF$/);
  });
});

test("the file's global fields and aggregation: a list (as a target's keys take) or one string, the same", () => {
  inDir((dir) => {
    const base = { read: sample, targets: [{ name: "a", protocol: 9, destinations: ["127.0.0.1:2055"] }, { name: "b", protocol: 10, destinations: ["127.0.0.1:2056"] }] };
    const list = optionsOf(dir, JSON.stringify({ ...base, fields: ["IPV4_SRC_ADDR", "IPV4_DST_ADDR", "IN_BYTES"], aggregation: ["10.0.0.0/8=16", "80-89=80"] }));
    const text = optionsOf(dir, JSON.stringify({ ...base, fields: "IPV4_SRC_ADDR,IPV4_DST_ADDR,IN_BYTES", aggregation: "10.0.0.0/8=16,80-89=80" }));
    assert.equal(list.error, undefined, list.error?.message);
    assert.deepEqual(list.options.targets, text.options.targets);
    assert.deepEqual(list.options.targets.map((t) => [t.fields, t.aggregation]), [
      [["IPV4_SRC_ADDR", "IPV4_DST_ADDR", "IN_BYTES"], ["10.0.0.0/8=16", "80-89=80"]],
      [["IPV4_SRC_ADDR", "IPV4_DST_ADDR", "IN_BYTES"], ["10.0.0.0/8=16", "80-89=80"]],
    ]);
    // the v9-only uptime fields are fine as the default of v9 targets alone
    const v9 = optionsOf(dir, JSON.stringify({ read: sample, fields: ["IPV4_SRC_ADDR", "FIRST_SWITCHED"], targets: [base.targets[0], { name: "j", protocol: "json" }] }));
    assert.equal(v9.error, undefined, v9.error?.message);
  });
});

test("messages quote at most about 80 characters of what they are about, however long it is", () => {
  inDir((dir) => {
    // a key, a value where a number goes, a field name, a rule: a megabyte each
    const mb = "k".repeat(1 << 20);
    for (const text of [
      `{ "${mb}": 1 }`,
      `{ "read": "-", "maxflows": "${mb}" }`,
      `{ "read": "-", "targets": [{ "name": "a", "destinations": ["127.0.0.1:2055"], "fields": ["${mb}"] }] }`,
      `{ "read": "-", "targets": [{ "name": "a", "destinations": ["127.0.0.1:2055"], "aggregation": ["${mb}"] }] }`,
      `{ "read": "-", "targets": [{ "name": "a", "destinations": ["127.0.0.1:2055"], "timeouts": { "${mb}": 1 } }] }`,
      `{ "read": "-", "targets": [{ "name": "a", "destinations": ["127.0.0.1:2055"], "${mb}": 1 }] }`,
      `{ "read": "-", "${mb}": 1, "${mb}": 2 }`,
    ]) {
      const r = optionsOf(dir, text);
      assertUsage(r, text.slice(0, 60));
      assert.ok(r.error && r.error.message.length < 400, `${text.slice(0, 60)}: ${r.error?.message.length} characters`);
      assert.match(r.error.message, /k…/);
    }
  });
  // a prefix file's 20 MB line
  assert.throws(() => lib.parsePrefixes(`10.0.0.0/8\t1\n${"1".repeat(20e6)},10.0.0.0/8\n`, "big.lst"), (e) => {
    assert.ok(e instanceof lib.PrefixFileError && e.line === 2);
    assert.ok(e.message.length < 300, `${e.message.length} characters`);
    assert.match(e.message, /^big\.lst: line 2: AS "1{80}…": expected an AS number from 0 to 4294967295/);
    return true;
  });
  for (const line of [`${"x".repeat(20e6)}/8,1`, `1,${"x".repeat(20e6)}`, `a,b,c,d,${"e".repeat(20e6)}`, `${"x".repeat(20e6)}\t1\t2`]) {
    assert.throws(() => lib.parsePrefixes(`${line}\n`, "big.lst"), (e) => e instanceof lib.PrefixFileError && e.message.length < 400, line.slice(0, 20));
  }
});

test("a long selector: refused past 64 KiB at once, past 4096 words while its words are read; the message quotes it around the column", () => {
  // 10,000 terms (over 64 KiB): its length, at once
  const long = Array(10000).fill("port 1").join(" or ");
  assert.throws(() => lib.compileSelector(long), (e) => {
    assert.equal(e.column, 65537);
    assert.match(e.message, /^select: "…(port 1 or |ort 1 or p|rt 1 or po|t 1 or por| 1 or port|1 or port |or port 1 |r port 1 o| port 1 or)/);
    assert.match(e.message, /: 99996 characters, over the 65536 a selector may have at column 65537$/);
    assert.ok(e.message.length < 300, `${e.message.length} characters`);
    return true;
  });
  // 6,000 words in less: the count, and the column of the first word past the limit
  const many = Array(2000).fill("port 1").join(" or ");
  assert.throws(() => lib.compileSelector(many), (e) => {
    assert.equal(e.column, many.split(" ").slice(0, 4096).join(" ").length + 2);
    assert.match(e.message, /: 5999 words, over the 4096 a selector may have at column \d+$/);
    assert.ok(e.message.length < 300);
    return true;
  });
  // an error near the end of a long selector: the quoted part holds it, "…" before
  const tail = `${Array(800).fill("port 1").join(" or ")} or port 99999 or tcp`;
  assert.throws(() => lib.compileSelector(tail), (e) => {
    assert.equal(e.column, tail.indexOf("99999") + 1);
    assert.match(e.message, /^select: "…[^"]*port 99999 or tcp": port 99999 is over 65535 at column \d+$/);
    assert.ok(e.message.length < 300);
    assert.equal(e.text, tail, "the whole text is kept for the caller");
    return true;
  });
  // one word of 60,000 characters
  assert.throws(() => lib.compileSelector(`host ${"9".repeat(60000)}`), (e) => e.message.length < 400);
  // the same from the file: its key path, the quoted part short
  inDir((dir) => {
    const r = optionsOf(dir, JSON.stringify({ read: sample, targets: [{ name: "a", protocol: "json", select: tail }] }));
    assert.match(r.error.message, /\/flowprobe\.json: targets\[0\]\.select: "…[^"]*port 99999 or tcp": port 99999 is over 65535 at column \d+$/);
    assert.ok(r.error.message.length < 300);
  });
});

test("sixteen exporting targets' send queues share one stop listener: no MaxListenersExceededWarning, and the stop still wakes each", async () => {
  const warnings = [];
  const onWarning = (w) => warnings.push(w);
  process.on("warning", onWarning);
  try {
    const stop = new AbortController();
    // a transport that keeps what it is given; a pacer whose first wait never ends, so each
    // queue fills past its bound and its producer waits for room
    const transport = () => ({ label: "x", address: "", collector: { host: "x", port: 1 }, counters: {}, send() {}, open: async () => {}, drained: async () => {}, close() {} });
    const stuck = () => new lib.Pacer(1, 0, () => 0, () => new Promise(() => {}));
    const queues = Array.from({ length: 16 }, () => new lib.SendQueue(new lib.DestinationSet([transport()]), stuck(), 1000, stop.signal, [0]));
    // one output region: a unit header (kind, sink, length) and a datagram of 1200 bytes for destination 0
    const L = lib.layout;
    const region = new Uint8Array(L.UNIT_HEADER + 1200);
    const dv = new DataView(region.buffer);
    dv.setUint16(L.UH_KIND, L.UNIT_DATAGRAM, true);
    dv.setUint16(L.UH_SINK, 0, true);
    dv.setUint32(L.UH_LENGTH, 1200, true);
    let woken = 0;
    const pushes = queues.map((q) => q.push(region).then(() => woken++));
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(woken, 0, "each producer waits for room");
    assert.ok(getEventListeners(stop.signal, "abort").length <= 1, `${getEventListeners(stop.signal, "abort").length} abort listeners`);
    stop.abort();
    await Promise.all(pushes);
    assert.equal(woken, 16);
    // (after the stop, a push waits no more)
    await queues[0].push(region);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(warnings.map((w) => w.name), []);
  } finally {
    process.off("warning", onWarning);
  }
});
