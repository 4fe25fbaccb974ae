// --flood-action: the command a flood alert runs, split into its argv once at start with
// shell-like quoting (POSIX sh's rules for '…', "…" and \, nothing else: no variables, globs,
// pipes or redirections), so that no shell ever runs. {addr}, {kind} and {target} in an
// argument are replaced per alert (src/flood/action.ts): an address is one argument whatever
// it holds, and cannot inject anything.

import { UsageError, quoted } from "../errors";

/** The placeholders an argument may hold. */
export const FLOOD_PLACEHOLDERS = ["addr", "kind", "target"] as const;
export type FloodPlaceholder = (typeof FLOOD_PLACEHOLDERS)[number];

/** The command of --flood-action: the program and its arguments, each as written (placeholders not yet replaced). */
export interface FloodCommand {
  readonly text: string;
  readonly argv: readonly string[];
}

/**
 * Splits `text` as sh splits a simple command's words: blanks separate words; '…' keeps
 * everything literally; "…" keeps everything but \" \\ \$ \` (and \ before a newline); a \
 * outside quotes keeps the next character. `option` names the option in messages.
 */
export function splitCommand(text: string, option = "--flood-action"): FloodCommand {
  const argv: string[] = [];
  let word: string | undefined;
  let i = 0;
  const add = (s: string) => {
    word = (word ?? "") + s;
  };
  while (i < text.length) {
    const c = text[i]!;
    if (c === " " || c === "\t" || c === "\n") {
      if (word !== undefined) argv.push(word);
      word = undefined;
      i++;
    } else if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) throw new UsageError(`${option} ${quoted(text, i)}: the single quote at column ${i + 1} is not closed (a ' ends it)`);
      add(text.slice(i + 1, end));
      i = end + 1;
    } else if (c === '"') {
      let j = i + 1;
      let s = "";
      for (;;) {
        if (j >= text.length) throw new UsageError(`${option} ${quoted(text, i)}: the double quote at column ${i + 1} is not closed (a " ends it)`);
        const d = text[j]!;
        if (d === '"') break;
        if (d === "\\" && j + 1 < text.length && '"\\$`\n'.includes(text[j + 1]!)) {
          if (text[j + 1] !== "\n") s += text[j + 1];
          j += 2;
          continue;
        }
        s += d;
        j++;
      }
      add(s);
      i = j + 1;
    } else if (c === "\\") {
      if (i + 1 >= text.length) throw new UsageError(`${option} ${quoted(text, i)}: a \\ at the end escapes nothing (write \\\\ for a backslash)`);
      if (text[i + 1] !== "\n") add(text[i + 1]!);
      i += 2;
    } else {
      add(c);
      i++;
    }
  }
  if (word !== undefined) argv.push(word);
  if (argv.length === 0 || argv[0] === "") throw new UsageError(`${option} ${JSON.stringify(text)}: no program to run (expected "PROGRAM ARG…", e.g. "nft add element inet filter flood { {addr} timeout 10m }")`);
  if (/\{(addr|kind|target)\}/.test(argv[0]!)) throw new UsageError(`${option} ${quoted(text)}: the program ${JSON.stringify(argv[0])} holds a placeholder; only its arguments may`);
  for (const a of argv) {
    for (const m of a.matchAll(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g)) {
      if (!(FLOOD_PLACEHOLDERS as readonly string[]).includes(m[1]!)) {
        throw new UsageError(`${option} ${quoted(text)}: unknown placeholder {${m[1]}} in ${JSON.stringify(a)} (the placeholders: ${FLOOD_PLACEHOLDERS.map((p) => `{${p}}`).join(", ")})`);
      }
    }
  }
  return { text, argv };
}

/** The arguments of `cmd` (program excluded) for one alert: each placeholder replaced by its value. */
export function actionArgs(cmd: FloodCommand, values: Readonly<Record<FloodPlaceholder, string>>): string[] {
  return cmd.argv.slice(1).map((a) => a.replace(/\{(addr|kind|target)\}/g, (_, k: FloodPlaceholder) => values[k]));
}
