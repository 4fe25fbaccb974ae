// Real collectors for tests: Debian's nfcapd on loopback, read back with nfdump; pmacct's nfacctd.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

/** Whether a UDP port is bound on IPv4 address `addr` (from /proc/net/udp; of namespace `ns` when given). */
export function udpBound(port, ns, addr = "127.0.0.1") {
  const hex = port.toString(16).toUpperCase().padStart(4, "0");
  const a = addr.split(".").map((b) => Number(b).toString(16).toUpperCase().padStart(2, "0")).reverse().join("");
  const table = ns ? ns.exec("cat", ["/proc/net/udp"]) : readFileSync("/proc/net/udp", "utf8");
  return table.split("\n").some((l) => l.includes(` ${a}:${hex} `));
}

/** A port nothing listens on now: below Linux's ephemeral range (32768-), so no client
 * socket of another test can be holding it. */
export function freePort(start = 20000 + (process.pid % 12000)) {
  for (let p = start; p < start + 1000; p++) if (!udpBound(p)) return p;
  throw new Error("no free UDP port");
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Starts nfcapd on bind:port (127.0.0.1 unless given; inside network namespace `ns` when
 * given, see helpers/netns.mjs) and waits until its socket is bound. */
export async function startNfcapd(port = freePort(), ns = undefined, bind = "127.0.0.1") {
  const dir = mkdtempSync(path.join(tmpdir(), "fp-nfcapd-"));
  const args = ["-w", dir, "-p", String(port), "-b", bind];
  const child = ns ? ns.spawn("nfcapd", args, { stdio: ["ignore", "pipe", "pipe"] }) : spawn("nfcapd", args, { stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  child.stdout.on("data", (d) => (log += d));
  child.stderr.on("data", (d) => (log += d));
  const exited = new Promise((resolve) => child.on("close", resolve)); // after its output is read
  for (let i = 0; !udpBound(port, ns, bind); i++) {
    if (i > 200 || child.exitCode !== null) throw new Error(`nfcapd did not bind port ${port}: ${log}`);
    await sleep(10);
  }
  return {
    port,
    /** Ends nfcapd at once (a test that failed): nothing is read back. */
    kill() {
      child.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    },
    /** Stops nfcapd (it writes its file on SIGTERM) and returns the flows nfdump reads back,
     * and what `nfdump -E` says of the exporters (sequence failures, samplers). */
    async stop() {
      // a datagram sent just before may still wait in its socket: nfcapd ends on SIGTERM
      // without reading what is queued (seen as "sent 1", "Flows: 0" now and then)
      await sleep(50);
      child.kill("SIGTERM");
      await exited;
      const files = readdirSync(dir).filter((f) => f.startsWith("nfcapd.")).map((f) => path.join(dir, f));
      const flows = [];
      let exporters = "";
      for (const f of files) {
        exporters += spawnSync("nfdump", ["-E", f], { encoding: "utf8" }).stdout;
        const r = spawnSync("nfdump", ["-r", f, "-o", "json"], { encoding: "utf8", env: { ...process.env, TZ: "UTC" }, maxBuffer: 1 << 28 });
        if (r.status !== 0) throw new Error(`nfdump failed: ${r.stderr}`);
        const text = r.stdout.trim();
        if (text && text !== "[]" && !/No matching flows/.test(text)) flows.push(...JSON.parse(text).filter((x) => x.type === "FLOW"));
      }
      rmSync(dir, { recursive: true, force: true });
      return { flows, log, exporters };
    },
  };
}

/** nfdump's "2014-01-14T17:04:02.079" (UTC) → ms since the epoch as BigInt. */
export function nfdumpTimeMs(text) {
  return BigInt(Date.parse(`${text}Z`));
}

/** Starts pmacct's nfacctd on 127.0.0.1 (printing flows as JSON, aggregated per 5-tuple) and
 * waits until its socket is bound; stop() returns the printed lines and its log. */
export async function startNfacctd() {
  const dir = mkdtempSync(path.join(tmpdir(), "fp-nfacctd-"));
  const port = freePort(26000 + (process.pid % 6000));
  const out = path.join(dir, "flows.json");
  writeFileSync(path.join(dir, "nfacctd.conf"), [
    "daemonize: false",
    "nfacctd_ip: 127.0.0.1",
    `nfacctd_port: ${port}`,
    "plugins: print[out]",
    "aggregate[out]: src_host, dst_host, proto, src_port, dst_port",
    "print_output[out]: json",
    `print_output_file[out]: ${out}`,
    "print_output_file_append[out]: true",
    "print_num_protos[out]: true",
    "print_refresh_time[out]: 60",
    "",
  ].join("\n"));
  const exe = existsSync("/usr/sbin/nfacctd") ? "/usr/sbin/nfacctd" : "nfacctd"; // sbin is not on every PATH
  const child = spawn(exe, ["-f", path.join(dir, "nfacctd.conf")], { stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  child.stdout.on("data", (d) => (log += d));
  child.stderr.on("data", (d) => (log += d));
  const closed = new Promise((resolve) => child.on("close", resolve));
  for (let i = 0; !udpBound(port); i++) {
    if (i > 300 || child.exitCode !== null) throw new Error(`nfacctd did not bind port ${port}: ${log}`);
    await sleep(10);
  }
  return {
    port,
    async stop() {
      await sleep(500); // let it take in the last datagrams
      child.kill("SIGINT"); // purges its cache to the print plugin
      await closed;
      const lines = existsSync(out) ? readFileSync(out, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l)) : [];
      rmSync(dir, { recursive: true, force: true });
      return { lines, log };
    },
  };
}
