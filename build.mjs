// Build: Wasm core (AssemblyScript) → host bundle (esbuild) → single executable (Node SEA +
// postject). Plain Node script; `npm run build`. Flags: --no-sea skips the executable.

import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync, writeFileSync, chmodSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const root = path.dirname(fileURLToPath(import.meta.url));
const rel = (p) => path.join(root, p);
const noSea = process.argv.includes("--no-sea");
const step = (what) => process.stderr.write(`build: ${what}\n`);

mkdirSync(rel("build"), { recursive: true });
mkdirSync(rel("dist"), { recursive: true });

// 1. The Wasm core.
step("assemblyscript → build/flowprobe.wasm");
execFileSync(process.execPath, [
  path.join(root, "node_modules/assemblyscript/bin/asc.js"), "assembly/index.ts", "--target", "release", "--disableWarning", "201",
], { cwd: root, stdio: "inherit" });
const wasm = readFileSync(rel("build/flowprobe.wasm"));
{
  // The compiler's static data must end below the first region of assembly/layout.ts.
  const mod = new WebAssembly.Module(wasm);
  const imports = WebAssembly.Module.imports(mod);
  if (imports.length > 0) throw new Error(`the core must have no imports, has ${imports.map((i) => `${i.module}.${i.name}`).join(", ")}`);
  const wat = readFileSync(rel("build/flowprobe.wat"), "utf8");
  let dataEnd = 0;
  for (const m of wat.matchAll(/\(data \S+ \(i32\.const (\d+)\) "((?:[^"\\]|\\.)*)"\)/g)) {
    const len = m[2].replace(/\\[0-9a-f]{2}/g, "x").replace(/\\./g, "x").length;
    dataEnd = Math.max(dataEnd, Number(m[1]) + len);
  }
  const layoutBase = Number(/LAYOUT_BASE: u32 = (\d+)/.exec(readFileSync(rel("assembly/layout.ts"), "utf8"))[1]);
  if (dataEnd >= layoutBase) throw new Error(`static data ends at ${dataEnd}, inside LAYOUT_BASE ${layoutBase}: raise LAYOUT_BASE`);
}
copyFileSync(rel("build/flowprobe.wasm"), rel("dist/flowprobe.wasm"));

// 2. The host: one CommonJS file each for the command and for tests.
step("esbuild → dist/flowprobe.cjs, dist/lib.cjs");
const esbuild = require("esbuild");
const common = { bundle: true, platform: "node", target: "node20", format: "cjs", logLevel: "warning", legalComments: "none" };
esbuild.buildSync({ ...common, entryPoints: [rel("src/main.ts")], outfile: rel("dist/flowprobe.cjs"), banner: { js: "#!/usr/bin/env node" } });
esbuild.buildSync({ ...common, entryPoints: [rel("src/lib.ts")], outfile: rel("dist/lib.cjs") });
chmodSync(rel("dist/flowprobe.cjs"), 0o755);

// 3. The single executable: the bundle as SEA main script, the .wasm as an asset.
if (!noSea) {
  step("node --experimental-sea-config + postject → dist/flowprobe");
  const config = {
    main: rel("dist/flowprobe.cjs"),
    output: rel("build/sea-prep.blob"),
    disableExperimentalSEAWarning: true,
    useCodeCache: false,
    assets: { "flowprobe.wasm": rel("build/flowprobe.wasm") },
  };
  writeFileSync(rel("build/sea-config.json"), JSON.stringify(config, null, 2));
  execFileSync(process.execPath, ["--experimental-sea-config", rel("build/sea-config.json")], { stdio: "inherit" });
  const exe = rel("dist/flowprobe");
  rmSync(exe, { force: true });
  copyFileSync(process.execPath, exe);
  chmodSync(exe, 0o755);
  const { inject } = require("postject");
  await inject(exe, "NODE_SEA_BLOB", readFileSync(config.output), {
    sentinelFuse: "NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2",
  });
}
step("done");
