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
