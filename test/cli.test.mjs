// The command line and the two shipped forms: the esbuild bundle and the single executable.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { flowprobe, root, fixtures } from "./helpers/run.mjs";

const sample = path.join(fixtures, "pcaps", "zeek--http--bro.org.pcap");
const pkg = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8"));

test("--help lists every option with its default, and units where it has one", () => {
  const r = flowprobe(["--help"]);
  assert.equal(r.status, 0);
  const options = ["--config", "--read", "--interfaces", "--promisc", "--snaplen", "--ring-size", "--block-timeout", "--direction", "--filter", "--ifindex-map", "--lan", "--wan", "--user",
    "--capture", "--capture-helper", "--mac", "--select", "--counter", "--as-file", "--format", "--destination", "--mode", "--protocol", "--engine-id", "--refresh-rate", "--timeout-rate",
    "--mtu", "--sndbuf", "--export-rate", "--fields", "--aggregation", "--maxflows", "--hashsize", "--active-timeout", "--inactive-timeout", "--tcp-end-timeout",
    "--flood-pps", "--flood-new-flows", "--flood-holdoff", "--flood-action", "--seed",
    "--control", "--stat-file", "--stat-interval", "--progress", "--metrics", "--no-summary", "--help", "--version"];
  for (const opt of options) assert.match(r.stdout, new RegExp(`${opt}\\b`), opt);
  assert.equal((r.stdout.match(/\(default: /g) ?? []).length, options.length);
  assert.match(r.stdout, /\[seconds\] \(default: 1800\)/);
  assert.match(r.stdout, /\[seconds\] \(default: 15\)/);
  assert.match(r.stdout, /default costs at most [\d.]+ MiB/);
  // what it does today: files and live interfaces, JSON or export
  assert.match(r.stdout, /usage: flowprobe -r FILE/);
  assert.match(r.stdout, /flowprobe -i IF/);
  assert.match(r.stdout, /-d HOST:PORT/);
});

test("--version prints the package version", () => {
  assert.equal(flowprobe(["--version"]).stdout, `flowprobe ${pkg.version}\n`);
});

test("bad options: exit 2 with a message naming the option and what is right", () => {
  const cases = [
    [["--maxflows", "many"], /--maxflows "many": expected a whole number/],
    [["--inactive-timeout", "0", "-r", sample], /--inactive-timeout 0: out of range, expected 1 to 86400/],
    [["--hashsize", "16", "--maxflows", "1000", "-r", sample], /--hashsize 16: too small for --maxflows 1000; .* at least 2048/],
    [["--bogus"], /^flowprobe: error: unknown option --bogus; see flowprobe --help\n$/],
    [["--inactive-timout", "5"], /^flowprobe: error: unknown option --inactive-timout \(did you mean --inactive-timeout\?\)/],
    [["--destnation", "127.0.0.1:2055"], /unknown option --destnation \(did you mean --destination\?\)/],
    [["--active-timeout", "-5", "-r", sample], /^flowprobe: error: --active-timeout -5: out of range, expected 1 to 604800\n$/],
    [["--active-timeout=-5", "-r", sample], /--active-timeout -5: out of range/],
    [["-r", sample, "-r", sample], /--read is given twice/],
    [["-r", sample, "--read", sample], /--read is given twice/],
    [["-r", "--no-summary"], /-r needs a value \(FILE\); --no-summary is an option/],
    [["-r"], /-r needs a value \(FILE\)/],
    [["--read="], /--read needs a value \(FILE\), not an empty one/],
    [["-d=127.0.0.1:2055", "-r", sample], /-d=127.0.0.1:2055: write -d VALUE or --destination=VALUE/],
    [["--promisc=yes", "-i", "eth0"], /--promisc takes no value/],
    [["-r", sample, "extra"], /unexpected argument "extra"/],
    [["-r", sample, "-d", "127.0.0.1:2055,127.0.0.1:2055"], /--destination 127.0.0.1:2055: this collector is listed twice/],
    [["-r", sample, "-d", "[::1]:2055,[0:0::1]:2055"], /this collector is listed twice/],
    [["-r", sample, "-d", "[127.0.0.1]:2055"], /--destination \[127.0.0.1\]:2055: brackets are for IPv6 addresses; write 127.0.0.1:2055/],
    [["-r", sample, "-d", "[collector]:2055"], /collector in brackets is not an IPv6 address/],
    [["-r", sample, "--protocol", "9"], /--protocol is for export to collectors: give --destination HOST:PORT/],
    [["-r", sample, "--mtu", "1500"], /--mtu is for export to collectors/],
    [["-r", sample, "--tcp-end-timeout", "-1"], /--tcp-end-timeout -1: out of range, expected 0 to 86400/],
    [[], /nothing to meter: give a capture file with -r FILE/],
    [["-r", "/nonexistent.pcap"], /cannot open \/nonexistent.pcap/, 1],
    [["-r", sample, "--promisc"], /--promisc is for live capture: give --interfaces/],
    [["-r", sample, "-i", "eth0"], /--read and --interfaces: choose one source/],
    [["-i", "eth0", "--direction", "out"], /--direction out: expected in or both/],
    [["-i", "eth0,any"], /any stands alone/],
    [["-i", "eth0;rm"], /not an interface name/],
    // (found by review: the shim opened two rings on one interface and metered each packet twice)
    [["-i", "fp0,fp0"], /^flowprobe: error: --interfaces "fp0": listed twice; give each interface once \(two captures of it would count every packet twice\)\n$/],
    [["--interfaces", "fp0,fp1,fp0"], /^flowprobe: error: --interfaces "fp0": listed twice; give each interface once/],
    [["-i", "any,any"], /--interfaces "any": listed twice/],
    [["--lan", "fp0,fp0"], /^flowprobe: error: --lan "fp0": listed twice; give each interface once\n$/],
    [["-i", "fp0,fp1", "--lan", "fp1,fp1"], /^flowprobe: error: --lan "fp1": listed twice; give each interface once\n$/],
    [["--lan", "fp0", "--wan", "fp1,fp1"], /^flowprobe: error: --wan "fp1": listed twice; give each interface once\n$/],
    [["--wan", "eth0"], /--wan goes with --lan/],
    [["-i", "eth0", "--ifindex-map", "eth0=0"], /--ifindex-map "eth0=0": expected NAME=NUMBER/],
    [["-i", "eth0", "--user", "no such"], /--user "no such": not a user name/],
  ];
  for (const [args, re, status = 2] of cases) {
    // (a bounded wait: a live case that is accepted would otherwise capture until killed)
    const r = flowprobe(args, { timeout: 20000 });
    assert.match(r.stderr, re, args.join(" "));
    assert.equal(r.stdout, "");
    assert.equal(r.status, status, args.join(" "));
  }
});

test("the summary: packets read, metered, flows by end reason, peak flows, rate, cache memory", () => {
  const r = flowprobe(["-r", sample, "--seed", "3"]);
  assert.equal(r.status, 0);
  assert.match(r.stderr, /read 751 packets .* packets\/s/);
  assert.match(r.stderr, /metered 751 packets \(483,623 IP bytes; 0 of the packets IPv6\), non-IP 0, skipped 0/);
  // the closing ACKs join their connections' flows (--tcp-end-timeout 2): 26 flows, one per 5-tuple
  assert.match(r.stderr, /flows exported 26: idle timeout 0, active timeout 0, TCP FIN\/RST 24, forced end 2, cache full 0/);
  assert.match(r.stderr, /peak active flows \d+ of 2,000,000; cache memory in use [\d.]+ MiB, at most [\d.]+ MiB for 2,000,000 flows and a hash index of up to 4,194,304 entries, allocated as flows arrive\n/);
  assert.doesNotMatch(r.stderr, /\(.*\(/, "no nested parentheses");
  assert.doesNotMatch(r.stderr, /\r/, "no progress line when stderr is not a terminal");
});

test("determinism: two runs with the same seed give identical output", () => {
  const file = path.join(fixtures, "pcaps", "zeek--ftp--bruteforce.pcap");
  const a = flowprobe(["-r", file, "--seed", "42", "--no-summary"]);
  const b = flowprobe(["-r", file, "--seed", "42", "--no-summary"]);
  assert.equal(a.stdout, b.stdout);
  assert.ok(a.stdout.length > 0);
});

test("the single executable, alone in an empty folder, prints the same flows as the bundle", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "fp-sea-"));
  try {
    const exe = path.join(dir, "flowprobe");
    copyFileSync(path.join(root, "dist", "flowprobe"), exe);
    const sea = spawnSync(exe, ["-r", sample, "--seed", "5", "--no-summary"], { cwd: dir, encoding: "utf8" });
    assert.equal(sea.status, 0, sea.stderr);
    const cjs = flowprobe(["-r", sample, "--seed", "5", "--no-summary"], { cwd: dir });
    assert.equal(sea.stdout, cjs.stdout);
    assert.equal(sea.stdout.split("\n").filter(Boolean).length, 26); // the sample's 26 flows
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
