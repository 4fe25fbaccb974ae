// A strict JSON reader for the config file (RFC 8259), with what JSON.parse does not give: a
// syntax error's line and column, a key given twice in one object (JSON.parse keeps the last
// one silently — a setting that is there and does nothing), and integers past 2^53 kept exact
// (as bigint: a 64-bit hash seed). Objects come back as Maps in the file's order. Any text is
// safe to give it: nesting is bounded (JSON_DEPTH_MAX, the reader recurses on it) and a string
// is sliced in runs, never built a character at a time.

import { quoted } from "../errors";

export type JsonValue = null | boolean | number | bigint | string | JsonValue[] | JsonObject;
export type JsonObject = Map<string, JsonValue>;

/** Objects and lists nested deeper than this are refused: a config needs four levels
 * (targets, a target, its timeouts), and the reader recurses once per level. */
export const JSON_DEPTH_MAX = 64;

/** The escapes of RFC 8259 §7 after a backslash, but \u. */
const ESCAPES = new Map([['"', '"'], ["\\", "\\"], ["/", "/"], ["b", "\b"], ["f", "\f"], ["n", "\n"], ["r", "\r"], ["t", "\t"]]);

/** A syntax error: where (1-based line and column) and what was expected. */
export class JsonSyntaxError extends Error {
  constructor(readonly line: number, readonly column: number, what: string) {
    super(`line ${line}, column ${column}: ${what}`);
  }
}

/** What a character is called in a message. */
function shown(c: string | undefined): string {
  if (c === undefined) return "the end of the file";
  if (c === "\n") return "a line break";
  // (a byte order mark, a zero-width or other invisible character: said by its number)
  if (c !== " " && /^[\p{Cc}\p{Cf}\p{Z}]$/u.test(c)) return `the invisible character U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}`;
  return JSON.stringify(c);
}

/** Parses `text`; throws JsonSyntaxError. */
export function parseJson(text: string): JsonValue {
  let i = 0;
  const fail = (what: string, at = i): never => {
    let line = 1;
    let col = 1;
    for (let k = 0; k < at && k < text.length; k++) {
      if (text[k] === "\n") {
        line++;
        col = 1;
      } else col++;
    }
    throw new JsonSyntaxError(line, col, what);
  };
  const space = () => {
    while (i < text.length && (text[i] === " " || text[i] === "\t" || text[i] === "\n" || text[i] === "\r")) i++;
  };
  const string = (): string => {
    const start = i;
    i++; // the opening quote
    let out = "";
    let run = i; // the start of the characters not yet in `out`
    for (;;) {
      const c = text.charCodeAt(i);
      if (Number.isNaN(c)) fail("a string that is not closed (a \" is missing)", start);
      if (c === 0x22) {
        out += text.slice(run, i);
        i++;
        return out;
      }
      if (c < 0x20) fail(`${c === 0x0a ? "a line break" : "a control character"} inside a string (write it as an escape, \\n)`);
      if (c === 0x5c) {
        out += text.slice(run, i);
        const e = text[i + 1];
        const simple = e === undefined ? undefined : ESCAPES.get(e);
        if (simple !== undefined) {
          out += simple;
          i += 2;
        } else if (e === "u" && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
          out += String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16));
          i += 6;
        } else {
          fail(`a bad escape \\${e ?? ""} in a string (expected \\" \\\\ \\/ \\b \\f \\n \\r \\t or \\uXXXX)`);
        }
        run = i;
        continue;
      }
      i++;
    }
  };
  /** The two mistakes a hand-written file makes most, said as such. */
  const notQuoted = (c: string | undefined) => {
    if (c === "'") fail("a string in single quotes (JSON strings take double quotes)");
    if (c === "/") fail("a comment (JSON has none; a key such as \"_comment\" is not allowed either: see docs/config.md)");
  };
  const value = (depth: number): JsonValue => {
    space();
    const c = text[i];
    if ((c === "{" || c === "[") && depth >= JSON_DEPTH_MAX) {
      fail(`objects and lists nested deeper than ${JSON_DEPTH_MAX} (a config file needs four levels)`);
    }
    if (c === "{") {
      i++;
      const obj: JsonObject = new Map();
      space();
      if (text[i] === "}") {
        i++;
        return obj;
      }
      for (;;) {
        space();
        if (text[i] !== '"') {
          if (text[i] === "}") fail("a comma before } (JSON allows no trailing comma)");
          notQuoted(text[i]);
          fail(`expected a key in double quotes, found ${shown(text[i])}`);
        }
        const keyAt = i;
        const key = string();
        if (obj.has(key)) fail(`key ${quoted(key)} is given twice in one object (JSON would keep only the last)`, keyAt);
        space();
        if (text[i] !== ":") fail(`expected ":" after the key ${quoted(key)}, found ${shown(text[i])}`);
        i++;
        obj.set(key, value(depth + 1));
        space();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "}") {
          i++;
          return obj;
        }
        fail(`expected "," or "}" after a value, found ${shown(text[i])}`);
      }
    }
    if (c === "[") {
      i++;
      const list: JsonValue[] = [];
      space();
      if (text[i] === "]") {
        i++;
        return list;
      }
      for (;;) {
        space();
        if (text[i] === "]") fail("a comma before ] (JSON allows no trailing comma)");
        list.push(value(depth + 1));
        space();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "]") {
          i++;
          return list;
        }
        fail(`expected "," or "]" after a value, found ${shown(text[i])}`);
      }
    }
    if (c === '"') return string();
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (m && m[0] !== "-") {
      i += m[0].length;
      const n = Number(m[0]);
      // an integer past 2^53 kept exact (a 64-bit seed); anything else as a number
      return !m[2] && !m[3] && !Number.isSafeInteger(n) ? BigInt(m[0]) : n;
    }
    for (const [word, v] of [["true", true], ["false", false], ["null", null]] as const) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return v;
      }
    }
    notQuoted(c);
    return fail(`expected a value (an object, list, string, number, true, false or null), found ${shown(c)}`);
  };
  const v = value(0);
  space();
  if (i < text.length) fail(`expected the end of the file after the value, found ${shown(text[i])}`);
  return v;
}

/** What kind of JSON value this is, for "expected …, got …". */
export function kindOf(v: JsonValue): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (v instanceof Map) return "an object";
  if (typeof v === "string") return `the string ${quoted(v)}`;
  if (typeof v === "boolean") return String(v);
  return `the number ${String(v)}`;
}
