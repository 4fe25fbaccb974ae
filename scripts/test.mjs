// `npm test`: install the Debian tools the tests use (scripts/tools.mjs; nothing when they are
// there), build everything (Wasm core, bundle, single executable), type-check the host
// (strict), then run every test file with node:test.
// `npm test -- test/A.test.mjs …`: the same for those files only; the single executable is
// built only when one of them runs it (SEA_TESTS).
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
/** The test files that run the single executable dist/flowprobe. */
const SEA_TESTS = ["cli.test.mjs", "operator.test.mjs", "install.test.mjs"];
const asked = process.argv.slice(2);
const files = asked.length > 0 ? asked : readdirSync(path.join(root, "test")).filter((f) => f.endsWith(".test.mjs")).sort().map((f) => path.join("test", f));
run(process.execPath, ["build.mjs", ...(files.some((f) => SEA_TESTS.includes(path.basename(f))) ? [] : ["--no-sea"])]);
run(process.execPath, [path.join(root, "node_modules", "typescript", "bin", "tsc"), "--noEmit", "-p", "tsconfig.json"]);
const r = spawnSync(process.execPath, ["--test", ...files], { cwd: root, stdio: "inherit" });
process.exit(r.status ?? 1);
