// The install, `./setup.sh --install` (packaging/install.sh), into a scratch root (DESTDIR): the
// files and their modes, the shim's file capabilities, the user systemd-sysusers makes from the
// sysusers.d file, the example environment file, `systemd-analyze verify` of the unit; the
// installed executable run from another directory; and live capture by the installed files
// under the unit's credentials. Nothing is installed outside the scratch root.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { root, fixtures, flowprobe } from "./helpers/run.mjs";
import { makeNs } from "./helpers/netns.mjs";
import { startRun, replay, compare, oracleOf } from "./helpers/live.mjs";

const BIN = "/usr/local/bin";
const UNIT = "/usr/local/lib/systemd/system/flowprobe.service";
const SYSUSERS = "/usr/local/lib/sysusers.d/flowprobe.conf";
const DEFAULT = "/etc/default/flowprobe";
/** path in the root → mode: everything the install writes, and nothing else */
const FILES = { [`${BIN}/flowprobe`]: 0o755, [`${BIN}/flowprobe-capture`]: 0o755, [UNIT]: 0o644, [SYSUSERS]: 0o644, [DEFAULT]: 0o644 };
const PCAP = path.join(fixtures, "pcaps", "zeek--http--bro.org.pcap");

let dest;
const inDest = (p) => path.join(dest, p);
const install = () => spawnSync(path.join(root, "setup.sh"), ["--install"], { env: { ...process.env, DESTDIR: dest }, encoding: "utf8" });
/** The same paths on this machine, and the user: the install into DESTDIR must leave them alone. */
const machine = () => JSON.stringify([...Object.keys(FILES).map((p) => (existsSync(p) ? [p, statSync(p).mtimeMs] : [p, null])),
  spawnSync("getent", ["passwd", "flowprobe"], { encoding: "utf8" }).stdout]);

before(() => {
  dest = mkdtempSync(path.join(tmpdir(), "fp-install-"));
  chmodSync(dest, 0o755); // the unprivileged runs below must reach the installed files
});
after(() => rmSync(dest, { recursive: true, force: true }));

function walk(dir, base = dir) {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return lstatSync(p).isDirectory() ? walk(p, base) : ["/" + path.relative(base, p)];
  });
}

test("install into DESTDIR: the files and modes, the shim's capabilities, nothing outside it", () => {
  const was = machine();
  const r = install();
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.equal(machine(), was, "files or the user outside DESTDIR");
  assert.deepEqual(walk(dest).sort(), Object.keys(FILES).sort());
  for (const [p, mode] of Object.entries(FILES)) {
    const st = statSync(inDest(p));
    assert.equal((st.mode & 0o7777).toString(8), mode.toString(8), p);
    assert.equal(st.uid, process.getuid(), p);
  }
  assert.equal(execFileSync("getcap", [inDest(`${BIN}/flowprobe-capture`)], { encoding: "utf8" }).trim(),
    `${inDest(`${BIN}/flowprobe-capture`)} cap_net_admin,cap_net_raw=ep`);
  const unit = readFileSync(inDest(UNIT), "utf8");
  assert.match(unit, /^ExecStart=\/usr\/local\/bin\/flowprobe --control \/run\/flowprobe\/flowprobe\.sock \$FLOWPROBE_ARGS$/m);
  assert.match(unit, /^RuntimeDirectory=flowprobe$/m);
  assert.doesNotMatch(unit, /@\w+@/, "a placeholder left in the unit");
});

test("the sysusers.d file: systemd-sysusers makes the system user flowprobe from it", () => {
  assert.equal(readFileSync(inDest(SYSUSERS), "utf8").split("\n").filter((l) => l && !l.startsWith("#")).join("\n"),
    'u flowprobe - "flowprobe flow exporter" / /usr/sbin/nologin');
  // in a root of its own: the scratch root then holds only what the install wrote
  const sys = mkdtempSync(path.join(tmpdir(), "fp-sysusers-"));
  try {
    cpSync(inDest("/usr/local/lib"), path.join(sys, "usr/local/lib"), { recursive: true });
    mkdirSync(path.join(sys, "etc"));
    // /usr/local/lib/sysusers.d is one of the directories it reads
    const r = spawnSync("systemd-sysusers", [`--root=${sys}`], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    const user = readFileSync(path.join(sys, "etc/passwd"), "utf8").split("\n").find((l) => l.startsWith("flowprobe:"));
    assert.match(user ?? "", /^flowprobe:x:(\d+):\d+:flowprobe flow exporter:\/:\/usr\/sbin\/nologin$/);
    assert.ok(Number(/^flowprobe:x:(\d+)/.exec(user)[1]) < 1000, `a system uid: ${user}`);
  } finally {
    rmSync(sys, { recursive: true, force: true });
  }
});

test("the example environment file sets nothing, and a second install keeps an edited one", () => {
  const text = readFileSync(inDest(DEFAULT), "utf8");
  assert.deepEqual(text.split("\n").filter((l) => l.trim() && !l.startsWith("#")), [], "only comments");
  assert.match(text, /^#FLOWPROBE_ARGS="-i eth0 -d 127\.0\.0\.1:2055"$/m);
  const edited = 'FLOWPROBE_ARGS="-i br-lan -d 192.0.2.10:4739"\n';
  writeFileSync(inDest(DEFAULT), edited);
  try {
    const r = install();
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /kept the existing/);
    assert.equal(readFileSync(inDest(DEFAULT), "utf8"), edited);
  } finally {
    writeFileSync(inDest(DEFAULT), text);
  }
});

test("systemd-analyze verify --root: no errors in the unit", () => {
  // verify loads the targets the unit names (sysinit, network-online, multi-user) from the
  // root, and checks ExecStart= and ExecReload= there: a copy of the root with this machine's
  // units and its kill (procps; /bin is /usr/bin on Debian 12)
  const sys = mkdtempSync(path.join(tmpdir(), "fp-verify-"));
  try {
    cpSync(dest, sys, { recursive: true });
    cpSync("/usr/lib/systemd/system", path.join(sys, "usr/lib/systemd/system"), { recursive: true, verbatimSymlinks: true });
    mkdirSync(path.join(sys, "usr/bin"), { recursive: true });
    cpSync("/usr/bin/kill", path.join(sys, "usr/bin/kill"));
    symlinkSync("usr/bin", path.join(sys, "bin"));
    const verify = () => spawnSync("systemd-analyze", ["verify", `--root=${sys}`, UNIT], { encoding: "utf8" });
    const r = verify();
    // a unit's problems are printed, most of them without a failing exit status
    assert.deepEqual({ status: r.status, out: r.stdout + r.stderr }, { status: 0, out: "" });
    // and this would see them: a bad value and a missing executable
    const unit = readFileSync(path.join(sys, UNIT), "utf8");
    writeFileSync(path.join(sys, UNIT), unit.replace(/^RestartSec=.*$/m, "RestartSec=soon"));
    rmSync(path.join(sys, BIN, "flowprobe"));
    const bad = verify();
    assert.match(bad.stdout + bad.stderr, /RestartSec|sec value/);
    assert.match(bad.stdout + bad.stderr, /flowprobe is not executable/);
  } finally {
    rmSync(sys, { recursive: true, force: true });
  }
});

test("the installed executable runs from another directory", () => {
  const elsewhere = mkdtempSync(path.join(tmpdir(), "fp-elsewhere-"));
  try {
    const run = (args) => spawnSync(inDest(`${BIN}/flowprobe`), args, { cwd: elsewhere, encoding: "utf8" });
    const version = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")).version;
    assert.equal(run(["--version"]).stdout, `flowprobe ${version}\n`);
    const r = run(["-r", PCAP, "--no-summary"]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, flowprobe(["-r", PCAP, "--no-summary"]).stdout);
    assert.ok(r.stdout.length > 0);
  } finally {
    rmSync(elsewhere, { recursive: true, force: true });
  }
});

/** setpriv arguments for the unit's credentials: its capabilities, bounding set and no_new_privs. */
function unitCredentials({ ambient = true } = {}) {
  const unit = readFileSync(inDest(UNIT), "utf8");
  const value = (key) => new RegExp(`^${key}=(.*)$`, "m").exec(unit)?.[1];
  const caps = (key) => value(key).split(/\s+/).map((c) => `+${c.replace(/^CAP_/, "").toLowerCase()}`).join(",");
  assert.equal(value("AmbientCapabilities"), "CAP_NET_RAW CAP_NET_ADMIN");
  assert.equal(value("CapabilityBoundingSet"), "CAP_NET_RAW CAP_NET_ADMIN");
  assert.equal(value("NoNewPrivileges"), "yes");
  // reload is SIGHUP, which flowprobe takes as "read the routes and interface names again" (never a lost flow)
  assert.equal(value("ExecReload"), "/bin/kill -HUP $MAINPID");
  // User=flowprobe: that user exists only where the install was real; nobody stands in for it
  return ["--reuid=nobody", "--regid=nogroup", "--clear-groups",
    ...(ambient ? [`--inh-caps=-all,${caps("AmbientCapabilities")}`, `--ambient-caps=-all,${caps("AmbientCapabilities")}`] : ["--inh-caps=-all"]),
    `--bounding-set=-all,${caps("CapabilityBoundingSet")}`, "--no-new-privs"];
}

/** The installed flowprobe (the shim found beside it) captures what is replayed into a veth. */
async function captureAs(credentials) {
  const ns = makeNs("fp-install");
  try {
    ns.veth("fp0", "fp1");
    const run = await startRun(ns, "setpriv", [...credentials, inDest(`${BIN}/flowprobe`), "-i", "fp0", "--promisc"], /capturing on/);
    if (run.child.exitCode === null) {
      replay(ns, "fp1", "zeek--http--bro.org.pcap");
      await run.stop();
    } else {
      run.code = await run.closed;
    }
    return run;
  } finally {
    ns.del();
  }
}

test("live, under the unit's credentials (setpriv): capture works with and without the shim's file capabilities, which no_new_privs alone would ignore and a shell user needs", async () => {
  const shim = inDest(`${BIN}/flowprobe-capture`);
  const oracle = oracleOf("zeek--http--bro.org.pcap").oracle;
  // as installed: ambient capabilities, and the shim's file capabilities limited to them
  let run = await captureAs(unitCredentials());
  assert.equal(run.code, 0, run.stderr);
  compare(run.stdout, oracle);
  // without ambient capabilities, no_new_privs makes the kernel ignore the file capabilities
  run = await captureAs(unitCredentials({ ambient: false }));
  assert.equal(run.code, 1, run.stderr);
  assert.match(run.stderr, /needs CAP_NET_RAW/);
  // from a shell: no no_new_privs, no capabilities but the shim's own
  run = await captureAs(["--reuid=nobody", "--regid=nogroup", "--clear-groups", "--inh-caps=-all"]);
  assert.equal(run.code, 0, run.stderr);
  compare(run.stdout, oracle);
  execFileSync("setcap", ["-r", shim]);
  try {
    // the ambient capabilities alone are enough
    run = await captureAs(unitCredentials());
    assert.equal(run.code, 0, run.stderr);
    compare(run.stdout, oracle);
  } finally {
    execFileSync("setcap", ["cap_net_raw,cap_net_admin=ep", shim]);
  }
});
