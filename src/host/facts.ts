// The host facts a live run's flows carry, kept current by the app's tick and by SIGHUP: the
// routing table (egress interface and next hop), the interface names (IE 82 for the
// collectors) and the numbers of the LAN and WAN interfaces (upload/download). Read from
// /proc and /sys; written into the core, the routes only when they changed.

import type { Core } from "../meter/core";
import { readRoutes, loadRoutes, loadSides, numberOf, readInterfaceNames } from "./routes";

export interface HostFactsOptions {
  /** Stable interface numbers by name (--ifindex-map). */
  ifindexMap?: ReadonlyMap<string, number>;
  /** LAN and WAN interface names (--lan, --wan). */
  lan?: string[];
  wan?: string[];
  /** Where a warning goes (one line, without a newline). */
  onLog: (line: string) => void;
}

export class HostFacts {
  private routesSeen = "";

  constructor(private readonly core: Core, private readonly o: HostFactsOptions) {}

  /** Reads the facts again and writes what changed into the core. Returns how many routes and interface names it read. */
  refresh(): [routes: number, names: number] {
    const o = this.o;
    // the LAN/WAN interfaces too: one that was recreated has a new ifindex
    const numbers = (names: string[] | undefined) => (names ?? []).map((n) => numberOf(n, o.ifindexMap)).filter((n) => n > 0);
    loadSides(this.core, numbers(o.lan), numbers(o.wan));
    const names = readInterfaceNames(o.ifindexMap);
    this.core.setInterfaceNames(names); // for the collectors (IE 82)
    const routes = readRoutes(o.ifindexMap);
    const text = JSON.stringify(routes);
    if (text === this.routesSeen) return [routes.length, names.length];
    this.routesSeen = text;
    const n = loadRoutes(this.core, routes);
    if (n < routes.length) o.onLog(`flowprobe: warning: ${routes.length} routes; the ${n} with the longest prefixes are used for egress interfaces and next hops`);
    return [routes.length, names.length];
  }
}
