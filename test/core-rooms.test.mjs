// The rooms of the core import only downward (assembly/index.ts lists them): encode/ may use
// cache/, parse/, output/ and base/; cache/ parse/, output/ and base/; parse/ and output/ only
// base/; base/ nothing but the memory map, which imports nothing. index.ts, the export list,
// is the only file that may import every room. And the host's decoder of the output units
// (src/sinks/units.ts), which the transports use, imports only the memory map.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { root } from "./helpers/run.mjs";

const core = path.join(root, "assembly");
const RANK = { base: 0, output: 1, parse: 1, cache: 2, encode: 3 };

function files(dir) {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith(".ts") ? [p] : [];
  });
}

const importsOf = (file) => [...readFileSync(file, "utf8").matchAll(/^\s*(?:import|export)\b[^"';]*?(?:from\s+)?["']([^"']+)["']/gm)].map((m) => m[1]);
const roomOf = (file) => path.relative(core, file).split(path.sep)[0];

test("core rooms: every import goes to the memory map, the file's own room or a room below it", () => {
  const bad = [];
  let checked = 0;
  for (const file of files(core)) {
    const from = path.relative(core, file);
    if (from === "index.ts") continue;
    for (const spec of importsOf(file)) {
      const target = path.relative(core, path.resolve(path.dirname(file), spec));
      checked++;
      if (target === "layout") {
        if (from === "layout.ts") bad.push(`${from} imports ${spec}`);
        continue;
      }
      const a = roomOf(file), b = target.split(path.sep)[0];
      if (!(a in RANK) || !(b in RANK)) bad.push(`${from} → ${spec}: not a room`);
      else if (a !== b && RANK[b] >= RANK[a]) bad.push(`${from} (${a}) imports ${spec} (${b})`);
    }
  }
  assert.ok(checked > 40, `imports read (${checked})`);
  assert.deepEqual(bad, []);
});

test("core rooms: each folder's first file says what the room holds", () => {
  for (const room of Object.keys(RANK)) {
    const first = readdirSync(path.join(core, room)).filter((f) => f.endsWith(".ts")).sort()[0];
    const head = readFileSync(path.join(core, room, first), "utf8").split("\n")[0];
    assert.match(head, new RegExp(`^// Room ${room}/: `), `${room}/${first}`);
  }
});

test("the host's output unit decoder imports only the memory map", () => {
  const specs = importsOf(path.join(root, "src", "sinks", "units.ts"));
  assert.deepEqual(specs, ["../../assembly/layout"]);
});
