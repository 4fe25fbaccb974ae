// The rooms import only downward (docs/design.md, "Rooms"). This reads the imports of every
// .ts file under src/ and assembly/ as text — `import … from`, `export … from`, `import()`,
// `require()` — resolves the relative ones, and checks each against what its room may import.
// A type-only import (`import type`, or every name marked `type`) costs nothing at run time
// and is allowed where a room reads another's shape but must not load its module.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { root } from "./helpers/run.mjs";

/** room → the files and folders (relative to the repository) its files may import, and those
 * they may import only for types. A file's own room is always allowed. */
const ROOMS = {
  "assembly": { may: [] },
  // the schema and its parsers: nothing of the meter, the targets (transports) or the sources
  "src/config": { may: ["src/errors.ts", "assembly/layout.ts"] },
  "src/meter": { may: ["src/config", "src/sinks", "src/errors.ts", "assembly/layout.ts"] },
  // where the meter's output goes: its units read with the memory map alone
  "src/sinks": { may: ["src/errors.ts", "assembly/layout.ts"] },
  // destination sets, transports, pacing, the send queue: never the meter
  "src/targets": { may: ["src/sinks", "src/errors.ts", "src/fault.ts"], types: ["src/config"] },
  // host facts the tick refreshes (routes, interface names, the clock, the user)
  "src/host": { may: ["src/errors.ts", "src/process.ts", "assembly/layout.ts"], types: ["src/meter"] },
  "src/sources": { may: ["src/host", "src/config", "src/errors.ts", "assembly/layout.ts"], types: ["src/meter"] },
  // the registry and what reads it: snapshot shapes only, never a module that counts
  "src/stats": { may: [], types: ["src/meter", "src/targets", "src/sources", "src/flood"] },
  // flood alerts after the core: holdoff, log, list, the action (execFile); the command's shape from config
  "src/flood": { may: ["src/config", "src/errors.ts"], types: ["src/meter"] },
};

function tsFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out.push(...tsFiles(p));
    else if (name.endsWith(".ts") && !name.endsWith(".d.ts")) out.push(p);
  }
  return out;
}

/** [specifier, typeOnly] of each import in a file's text. */
function importsOf(text) {
  const found = [];
  const code = text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
  for (const m of code.matchAll(/^\s*(import|export)\s+(type\s+)?([^;]*?)\s*from\s*["']([^"']+)["']/gm)) {
    const braces = /^\{([^}]*)\}$/.exec(m[3].trim());
    const allTyped = braces !== null && braces[1].split(",").map((s) => s.trim()).filter(Boolean).every((s) => s.startsWith("type "));
    found.push([m[4], Boolean(m[2]) || allTyped]);
  }
  for (const m of code.matchAll(/^\s*import\s+["']([^"']+)["']/gm)) found.push([m[1], false]);
  for (const m of code.matchAll(/\b(?:import|require)\(\s*["']([^"']+)["']\s*\)/g)) found.push([m[1], false]);
  return found;
}

/** The repository-relative file a relative specifier names (a .ts file, a folder's index, or a .json). */
function resolve(from, spec) {
  const base = path.resolve(path.dirname(from), spec);
  for (const p of [base, `${base}.ts`, path.join(base, "index.ts")]) {
    if (existsSync(p) && statSync(p).isFile()) return path.relative(root, p).split(path.sep).join("/");
  }
  return path.relative(root, base).split(path.sep).join("/");
}

const inside = (file, where) => file === where || file.startsWith(`${where}/`);
const roomOf = (file) => Object.keys(ROOMS).find((r) => inside(file, r));

test("every room exists and has files", () => {
  for (const room of Object.keys(ROOMS)) {
    assert.ok(existsSync(path.join(root, room)) && tsFiles(path.join(root, room)).length > 0, `${room}/ is missing`);
  }
});

test("the rooms import only downward: config imports no meter, transport or source; targets no meter; stats only types", () => {
  const wrong = [];
  for (const abs of [...tsFiles(path.join(root, "src")), ...tsFiles(path.join(root, "assembly"))]) {
    const file = path.relative(root, abs).split(path.sep).join("/");
    const room = roomOf(file);
    if (!room) continue; // the top: app, cli, main, lib, tick, process … may import everything
    const rule = ROOMS[room];
    for (const [spec, typeOnly] of importsOf(readFileSync(abs, "utf8"))) {
      if (!spec.startsWith(".")) continue; // node: builtins and packages
      const target = resolve(abs, spec);
      if (inside(target, room)) continue;
      if (rule.may.some((w) => inside(target, w))) continue;
      if (typeOnly && (rule.types ?? []).some((w) => inside(target, w))) continue;
      wrong.push(`${file} imports ${typeOnly ? "the types of " : ""}${target}`);
    }
  }
  assert.deepEqual(wrong, []);
});

test("the meter's module is loaded only by the meter and the top (app, tick, lib); everyone else reads its types", () => {
  const top = ["src/app.ts", "src/tick.ts", "src/lib.ts"];
  const wrong = [];
  for (const abs of tsFiles(path.join(root, "src"))) {
    const file = path.relative(root, abs).split(path.sep).join("/");
    if (inside(file, "src/meter") || top.includes(file)) continue;
    for (const [spec, typeOnly] of importsOf(readFileSync(abs, "utf8"))) {
      if (spec.startsWith(".") && !typeOnly && inside(resolve(abs, spec), "src/meter")) wrong.push(`${file} imports ${resolve(abs, spec)}`);
    }
  }
  assert.deepEqual(wrong, []);
});

test("the import reader sees each kind of import", () => {
  const got = importsOf([
    `import * as L from "../a";`, `import type { X } from "./b";`, `import { type Y, type Z } from "./c";`,
    `import { type P, Q } from "./d";`, `export { R } from "./e";`, `import "./f";`, `const m = require("./g");`,
    `// import { no } from "./comment";`, `import {\n  A,\n  B,\n} from "./h";`,
  ].join("\n"));
  assert.deepEqual(got, [["../a", false], ["./b", true], ["./c", true], ["./d", false], ["./e", false], ["./h", false], ["./f", false], ["./g", false]]);
});

test("each host folder's first file says what the room holds", () => {
  for (const room of readdirSync(path.join(root, "src"), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name)) {
    const first = readdirSync(path.join(root, "src", room)).filter((f) => f.endsWith(".ts")).sort()[0];
    assert.match(readFileSync(path.join(root, "src", room, first), "utf8"), new RegExp(`^// Room ${room}/: `), `src/${room}/${first}`);
  }
});
