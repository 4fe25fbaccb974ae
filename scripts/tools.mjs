// The third-party tools the tests and the benchmark run, the Debian package of each, and
// their install: a tool that is missing has its package installed (apt-get, with sudo when not
// root); when every tool is there, nothing is installed and apt is not asked. setup.sh installs
// only what flowprobe needs to build and run.
//
//   node scripts/tools.mjs test|bench    (npm test and npm run bench do this first)
import { spawnSync } from "node:child_process";
import { pathToFileURL } from "node:url";

/** Tool → Debian package: what the tests run (oracles, collectors, namespaces, traffic). */
export const TEST_TOOLS = {
  // oracles and frame counts; dumpcap captures in the live tests
  tshark: "tshark", capinfos: "wireshark-common", dumpcap: "wireshark-common",
  // collectors of the export tests
  nfcapd: "nfdump", nfdump: "nfdump", nfacctd: "pmacct",
  // network namespaces, replay into them, VLAN offload there, the NAT router and its traffic
  ip: "iproute2", tcpreplay: "tcpreplay", ethtool: "ethtool", tcpdump: "tcpdump", nft: "nftables",
  iperf3: "iperf3", ping: "iputils-ping", sysctl: "procps", pgrep: "procps",
  // the unprivileged shim: file capabilities and a user without them
  setcap: "libcap2-bin", getcap: "libcap2-bin", setpriv: "util-linux",
  // the installed unit and user (test/install.test.mjs)
  "systemd-analyze": "systemd", "systemd-sysusers": "systemd",
  // the metrics page's parser (test/metrics.test.mjs: promtool check metrics)
  promtool: "prometheus",
  // the build (setup.sh installs it)
  cc: "gcc",
};

/** Tool → Debian package: the benchmark's peers, and what it times and replays them with. */
export const BENCH_TOOLS = {
  softflowd: "softflowd", nfpcapd: "nfdump", nfcapd: "nfdump", tcpdump: "tcpdump", "/usr/bin/time": "time",
  tcpreplay: "tcpreplay", ip: "iproute2", pgrep: "procps",
};

const SBIN = ["/usr/sbin", "/sbin"]; // not on every PATH (ip, nfacctd, setcap, ethtool)

function found(tool) {
  const dirs = tool.startsWith("/") ? "" : SBIN.map((d) => ` || test -x ${d}/${tool}`).join("");
  return spawnSync("sh", ["-c", `command -v ${tool}${dirs}`], { stdio: "ignore" }).status === 0;
}

/** dpkg's own answer, as setup.sh asks it. */
function installed(pkg) {
  const r = spawnSync("dpkg-query", ["-W", "-f=${Status}", pkg], { encoding: "utf8" });
  return r.status === 0 && r.stdout.includes("install ok installed");
}

function fail(who, message) {
  console.error(`${who}: ${message}`);
  process.exit(1);
}

/** Installs the packages of the tools that are missing; exits with one line when it cannot. */
export function ensureTools(tools, who) {
  const missing = () => Object.keys(tools).filter((t) => !found(t));
  const absent = missing();
  if (absent.length === 0) return;
  const pkgs = [...new Set(absent.map((t) => tools[t]))];
  const list = `${absent.join(", ")} (Debian packages ${pkgs.join(" ")})`;
  if (!found("dpkg-query") || !found("apt-get")) fail(who, `missing ${list}, and this is not a Debian system: install them`);
  const broken = pkgs.filter(installed);
  if (broken.length > 0) fail(who, `missing ${list}, though ${broken.join(" ")} is installed: reinstall it (apt-get install --reinstall ${broken.join(" ")})`);
  const root = process.getuid?.() === 0;
  if (!root && !found("sudo")) fail(who, `missing ${list}: run as root, or install sudo, or: apt-get install ${pkgs.join(" ")}`);
  // sudo resets the environment (hence env); a sudo that would ask for a password is told not
  // to when nobody can answer
  const sudo = root ? [] : ["sudo", ...(process.stdin.isTTY ? [] : ["-n"])];
  const apt = (...args) => {
    const argv = [...sudo, "env", "DEBIAN_FRONTEND=noninteractive", "apt-get", ...args];
    const r = spawnSync(argv[0], argv.slice(1), { stdio: ["inherit", "ignore", "inherit"] });
    if (r.status !== 0) fail(who, `could not install ${pkgs.join(" ")} (${argv.join(" ")} exited ${r.status ?? r.signal}): install them as root`);
  };
  console.error(`${who}: installing Debian packages ${pkgs.join(" ")} for ${absent.join(", ")}`);
  apt("update", "-qq");
  apt("install", "-y", "-qq", "--no-install-recommends", ...pkgs);
  const still = missing();
  if (still.length > 0) fail(who, `${still.join(", ")} still missing after installing ${pkgs.join(" ")}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const sets = { test: TEST_TOOLS, bench: BENCH_TOOLS };
  const which = process.argv[2];
  if (!(which in sets)) fail("scripts/tools.mjs", `usage: node scripts/tools.mjs ${Object.keys(sets).join("|")}`);
  ensureTools(sets[which], which === "test" ? "npm test" : "npm run bench");
}
