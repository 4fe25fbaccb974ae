// The memory map (assembly/layout.ts) read back: every descriptor's fields lie within its
// size and overlap no other field (each field's size from its comment: u8, u16, u32, u64,
// i64 or "N bytes"/"NAME bytes"), every region within the next one's start, and the host's
// table of skip reasons (src/meter/counters.ts) is exactly the core's range of skip counters,
// C_SKIP_FIRST .. C_SKIP_LAST, in order — the core's range is the source, the host's names
// are checked against it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { lib } from "./helpers/meter.mjs";
import { root } from "./helpers/run.mjs";

const L = lib.layout;
const source = readFileSync(path.join(root, "assembly", "layout.ts"), "utf8");

/** [name, size in bytes] of each field of a descriptor whose names start with `prefix`, from the comments. */
function fields(prefix) {
  const out = [];
  for (const m of source.matchAll(/^export const (\w+): u32 = [^;]+; \/\/\s*(.*)$/gm)) {
    const [, name, comment] = m;
    if (!name.startsWith(prefix)) continue;
    const t = /^(u8|u16|u32|u64|i64)\b/.exec(comment);
    const bytes = /^(\w+) bytes\b/.exec(comment);
    const size = t ? { u8: 1, u16: 2, u32: 4, u64: 8, i64: 8 }[t[1]]
      : bytes ? (/^\d+$/.test(bytes[1]) ? Number(bytes[1]) : L[bytes[1]]) : undefined;
    if (size !== undefined) out.push([name, size]);
  }
  return out;
}

/** `sizes`: [name, size] for fields whose comment gives no size, or an element size only. */
function noOverlap(prefix, size, sizes = []) {
  const given = new Map(sizes);
  const list = [...fields(prefix).filter(([n]) => !given.has(n)), ...sizes];
  assert.ok(list.length > 2, `${prefix}: fields found`);
  const spans = list.map(([name, n]) => [name, L[name], L[name] + n]).sort((a, b) => a[1] - b[1]);
  for (const [name, from, to] of spans) {
    assert.ok(Number.isInteger(from), `${name} is in the layout`);
    assert.ok(to <= size, `${name} (${from}..${to}) within ${size} bytes`);
    if (to - from === 8) assert.equal(from % 8, 0, `${name} is 8-aligned`);
  }
  for (let i = 1; i < spans.length; i++) {
    assert.ok(spans[i][1] >= spans[i - 1][2], `${spans[i - 1][0]} (${spans[i - 1][1]}..${spans[i - 1][2]}) and ${spans[i][0]} (at ${spans[i][1]}) overlap`);
  }
}

test("layout: the fields of each descriptor lie within it and overlap no other", () => {
  noOverlap("T_", L.TARGET_SIZE, [["T_EXPORTED", 8 * (L.END_LACK_OF_RESOURCES + 1)]]);
  assert.ok(L.T_END <= L.TARGET_SIZE);
  assert.ok(L.T_FIGURES_END <= L.TARGET_SIZE && L.T_BYTES % 8 === 0, "the registry's target figures within the descriptor, 8-aligned");
  noOverlap("D_", L.DEST_SIZE);
  assert.ok(L.D_FIGURES_END <= L.DEST_SIZE && L.D_TEMPLATE_BLOCKS % 8 === 0, "the registry's collector figure within the descriptor, 8-aligned");
  noOverlap("ST_", L.STATUS_SIZE);
  noOverlap("IF_", L.IFACE_SIZE);
  noOverlap("RT_", L.ROUTE_SIZE);
  noOverlap("FS_", L.SLOT_SIZE);
  assert.equal(L.FS_END, L.SLOT_SIZE);
  noOverlap("PE_", L.PEND_ENTRY);
  noOverlap("X_", L.SCRATCH_SIZE - (L.EXPORT_CONTEXT - L.SCRATCH_BASE));
  noOverlap("UH_", L.UNIT_HEADER);
  noOverlap("SI_", L.SEL_INSN_SIZE);
  assert.equal(L.SI_END, L.SEL_INSN_SIZE);
  assert.ok(L.SEL_IF_LIST + L.SEL_IF_MAX * 4 <= L.SEL_INSN_SIZE && L.SEL_INSNS % 16 === 0);
  noOverlap("PT_", L.PT_HEADER);
  assert.ok(L.PT_END <= L.PT_HEADER && L.PT_HEADER % 8 === 0, "the prefix table's header, its arrays 8-aligned after it");
  noOverlap("FT_", L.FT_SIZE, [["FT_WIRE", L.FIELD_MAX * 4], ["FT_CODE", L.FIELD_MAX * 2]]);
  assert.ok(L.FT_END <= L.FT_SIZE);
  assert.ok(L.C_END <= L.STATS_COUNT, "the counters fit the counter block");
  assert.ok(L.C_LOOKUPS === L.C_END && L.C_SEARCH_END <= L.STATS_COUNT, "the search metric's counters follow, within the block");
});

test("layout: the regions are chained in order, each ending where the next starts", () => {
  const regions = [...source.matchAll(/^export const (\w+)_BASE: u32 = (\w+)_BASE \+ (\w+);/gm)];
  assert.ok(regions.length >= 12);
  for (const [, name, prev, size] of regions) {
    assert.equal(L[`${name}_BASE`], L[`${prev}_BASE`] + L[size], `${name}_BASE follows ${prev}`);
    assert.ok(L[size] > 0, size);
  }
  assert.ok(L.EXPORT_CONTEXT + 64 <= L.SCRATCH_BASE + L.SCRATCH_SIZE && L.DERIVED_KEY + L.FS_KEY_SIZE <= L.EXPORT_CONTEXT);
  assert.ok(L.PEND_KEY_HASH + L.TARGET_MAX * L.PEND_MAX * 4 === L.PEND_SELECTED);
  assert.ok(L.PEND_SELECTED + L.PEND_MAX * 4 === L.PEND_BASE + L.PEND_SIZE);
});

test("layout: the host's skip reasons are the core's skip counters, C_SKIP_FIRST .. C_SKIP_LAST, in order", () => {
  const counters = [...source.matchAll(/^export const (C_\w+): u32 = /gm)].map((m) => m[1])
    .filter((n) => !["C_SKIP_FIRST", "C_SKIP_LAST", "C_END"].includes(n));
  const range = counters.filter((n) => L[n] >= L.C_SKIP_FIRST && L[n] <= L.C_SKIP_LAST).sort((a, b) => L[a] - L[b]);
  assert.equal(range.length, L.C_SKIP_LAST - L.C_SKIP_FIRST + 1, "one counter per index in the range");
  const host = readFileSync(path.join(root, "src", "meter", "counters.ts"), "utf8");
  const table = host.slice(host.indexOf("SKIP_REASONS"), host.indexOf("END_REASONS"));
  const named = [...table.matchAll(/index: L\.(C_\w+)/g)].map((m) => m[1]);
  assert.deepEqual(named, range);
  // and every counter has its own index
  assert.equal(new Set(counters.map((n) => L[n])).size, counters.length);
});
