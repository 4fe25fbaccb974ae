// `npm test`: install the Debian tools the tests use (scripts/tools.mjs; nothing when they are
// there), build everything (Wasm core, bundle, single executable), type-check the host
// (strict), then run every test file with node:test.
import { execFileSync, spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ensureTools, TEST_TOOLS } from "./tools.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: "inherit" });

// system tools live in sbin too (ip, nfacctd, setcap, ethtool), which not every PATH has
process.env.PATH = [...new Set([...(process.env.PATH ?? "").split(":"), "/usr/sbin", "/sbin"])].filter(Boolean).join(":");
// the third-party decoders and tools the tests use: each one missing has its Debian package installed
ensureTools(TEST_TOOLS, "npm test");
run(process.execPath, ["build.mjs"]);
run(process.execPath, [path.join(root, "node_modules", "typescript", "bin", "tsc"), "--noEmit", "-p", "tsconfig.json"]);
const files = readdirSync(path.join(root, "test")).filter((f) => f.endsWith(".test.mjs")).sort().map((f) => path.join("test", f));
const r = spawnSync(process.execPath, ["--test", ...files], { cwd: root, stdio: "inherit" });
process.exit(r.status ?? 1);
