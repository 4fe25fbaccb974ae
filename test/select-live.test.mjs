// Selectors in a live run (namespaces named sel-…): `inif NAME` follows the interface by its
// name — deleted and created again under a new ifindex, as a PPPoE link does when it
// reconnects, its packets are selected again once the host has read the interface names
// again — and another interface's packets are counted as not selected.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseFlows } from "./helpers/run.mjs";
import { makeNs, until } from "./helpers/netns.mjs";
import { startLiveApp, replay, num } from "./helpers/live.mjs";

test("live --select inif NAME: the interface recreated under a new ifindex is selected again; another interface's packets are not selected", async () => {
  const ns = makeNs("sel");
  try {
    const first = ns.veth("fp0", "fp1");
    const other = ns.veth("fq0", "fq1");
    // the interface names are read again at every tick (once a second) instead of every fifth
    const run = await startLiveApp(ns, { routesEveryTicks: 1 }, ["-i", "fp0,fq0", "--promisc", "--select", "inif fp0"], /capturing on fq0/);
    await until(() => /capturing on fp0/.test(run.stderr), 5000, `capturing on both: ${run.stderr}`);
    await new Promise((r) => setTimeout(r, 1500)); // the first reading of the names has been made
    replay(ns, "fp1", "zeek--icmp_dot1q.pcap");
    replay(ns, "fq1", "zeek--icmp_dot1q.pcap");
    await new Promise((r) => setTimeout(r, 300));
    ns.ip("link", "set", "fp0", "down");
    await new Promise((r) => setTimeout(r, 300));
    ns.ip("link", "del", "fp0");
    await until(() => /fp0 went away/.test(run.stderr), 5000, `the shim noticing: ${run.stderr}`);
    const second = ns.veth("fp0", "fp1");
    assert.notEqual(second, first);
    await until(() => new RegExp(`capturing on fp0 \\(ifindex ${second}\\)`).test(run.stderr), 5000, `capture again: ${run.stderr}`);
    await new Promise((r) => setTimeout(r, 2500)); // a tick or two: the names read again
    replay(ns, "fp1", "zeek--icmp_dot1q.pcap");
    await run.stop();
    assert.equal(run.code, 0, run.stderr);
    const flows = parseFlows(run.stdout);
    const by = (ifindex) => flows.filter((f) => f.in_if === BigInt(ifindex)).reduce((n, f) => n + f.packets, 0n);
    assert.equal(by(first), 9n, "before: every IP packet of fp0");
    assert.equal(by(second), 9n, "after: every IP packet of the new fp0");
    assert.equal(by(other), 0n, "fq0's packets are not selected");
    assert.equal(num(/not selected by any target ([\d,]+)/, run.stderr), 9, "and counted as such");
  } finally {
    ns.del();
  }
});
