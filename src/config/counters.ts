// Named counters (nfacct): packets and bytes per name, each chosen by a selector in the
// targets' language (select.ts), independent of any target. From the command line
// (`--counter NAME=SELECTOR[,NAME=SELECTOR…]`: a selector holds no comma) or the config
// file's `"counters": { "NAME": "SELECTOR", … }`. Checked here at start and at a reload: a
// bad name or selector is a UsageError (exit 2) naming it.

import { COUNTER_MAX } from "../../assembly/layout";
import { UsageError, quoted } from "../errors";
import { compileSelector, SelectorError } from "./select";

/** A named counter: its name and selector text ("" = every IP packet). */
export interface CounterOptions {
  readonly name: string;
  readonly select: string;
}

/** What a counter's name may be: it goes into the statistics and nfacct-style text. */
export const COUNTER_NAME = /^[A-Za-z0-9_-]{1,32}$/;

/** Checks a list of counters (`where`: how messages name their origin, `--counter` or the
 * file's `counters`): each name well formed and once, each selector compiled. */
export function checkCounters(list: readonly CounterOptions[], where: string): CounterOptions[] {
  if (list.length > COUNTER_MAX) throw new UsageError(`${where}: ${list.length} counters, over the ${COUNTER_MAX} flowprobe keeps`);
  const seen = new Set<string>();
  for (const c of list) {
    if (!COUNTER_NAME.test(c.name)) throw new UsageError(`${where}: ${c.name === "" ? "an empty name" : quoted(c.name)}: a counter's name is 1 to 32 letters, digits, - or _`);
    if (seen.has(c.name)) throw new UsageError(`${where}: counter ${c.name} is given twice: give each name once`);
    seen.add(c.name);
    try {
      compileSelector(c.select);
    } catch (e) {
      if (e instanceof SelectorError) throw new UsageError(`${where}: counter ${c.name}: ${quoted(e.text, e.column - 1)}: ${e.detail}`);
      throw e;
    }
  }
  return [...list];
}

/** The command line's `--counter NAME=SELECTOR[,NAME=SELECTOR…]`. */
export function parseCounterList(text: string, where = "--counter"): CounterOptions[] {
  const list = text.split(",").map((item) => {
    const eq = item.indexOf("=");
    if (eq < 0) throw new UsageError(`${where} ${quoted(item)}: expected NAME=SELECTOR (http=tcp port 80 or tcp port 443; NAME= counts every packet)`);
    return { name: item.slice(0, eq).trim(), select: item.slice(eq + 1).trim() };
  });
  return checkCounters(list, where);
}
