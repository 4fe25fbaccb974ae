// One base error class with a stable `code` per failure kind (as undici does); the cause is
// passed through. Messages say what was wrong, where, and what would be right.

export class FlowprobeError extends Error {
  readonly code: string;
  /** Process exit status when this error ends a run. */
  readonly exitCode: number;
  constructor(code: string, message: string, exitCode: number, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.exitCode = exitCode;
  }
}

/** A bad command line or configuration value. */
export class UsageError extends FlowprobeError {
  constructor(message: string) {
    super("E_USAGE", message, 2);
  }
}

/** A capture file that cannot be read on: damaged, cut short, or of an unknown kind. */
export class CaptureFormatError extends FlowprobeError {
  /** Byte offset of the first byte of the damaged record or block. */
  readonly offset: number;
  constructor(file: string, offset: number, what: string) {
    super("E_CAPTURE_FORMAT", `${file}: ${what} (byte offset ${offset})`, 1);
    this.offset = offset;
  }
}

/** An operating-system failure reading input or writing output. */
export class IoError extends FlowprobeError {
  constructor(message: string, cause: unknown) {
    super("E_IO", message, 1, { cause });
  }
}

/** The Wasm core could not be loaded or refused its configuration. */
export class CoreError extends FlowprobeError {
  constructor(message: string) {
    super("E_CORE", message, 1);
  }
}

/** Live capture could not run: the capture shim failed to start or to open its interfaces. */
export class CaptureError extends FlowprobeError {
  constructor(message: string, cause?: unknown) {
    super("E_CAPTURE", message, 1, { cause });
  }
}

/** A prefix file (--as-file) that cannot be used: the line and what is wrong with it. */
export class PrefixFileError extends FlowprobeError {
  readonly file: string;
  readonly line: number;
  constructor(file: string, line: number, what: string) {
    super("E_PREFIX_FILE", `${file}: line ${line}: ${what}`, 2);
    this.file = file;
    this.line = line;
  }
}

/** Most characters of the user's text a message quotes: a hostile 20 MB line or selector gets
 * a message of a line, not one of 20 MB. */
export const QUOTE_MAX = 80;

/** `text` as it is when short, else its first QUOTE_MAX characters and "…" (a key in a key path). */
export function clipped(text: string): string {
  return text.length <= QUOTE_MAX ? text : `${text.slice(0, QUOTE_MAX)}…`;
}

/**
 * `text` in double quotes (JSON string syntax), cut to about QUOTE_MAX characters with "…"
 * where it is cut: around index `at` (0-based; the place a message points at), else from the
 * start. Short text comes back as JSON.stringify gives it.
 */
export function quoted(text: string, at = 0): string {
  if (text.length <= QUOTE_MAX) return JSON.stringify(text);
  const start = Math.max(0, Math.min(at - Math.floor(QUOTE_MAX / 3), text.length - QUOTE_MAX));
  const end = start + QUOTE_MAX;
  const body = JSON.stringify(text.slice(start, end)).slice(1, -1);
  return `"${start > 0 ? "…" : ""}${body}${end < text.length ? "…" : ""}"`;
}
