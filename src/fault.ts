// Fault injection for the tests of what an internal error does (exit 70 at once, one line,
// never a hang): FLOWPROBE_FAULT=send throws in the send queue, =timer in a timer callback.
// Named points only; unset (always, outside those tests) it costs one string comparison.

const FAULT = process.env.FLOWPROBE_FAULT ?? "";

/** Throws when the environment asks for a fault at this point. */
export function injectedFault(point: "send" | "timer"): void {
  if (FAULT === point) throw new Error(`fault injected at ${point} (FLOWPROBE_FAULT=${point})`);
}

/** Whether a fault is asked for at this point. */
export function faultAt(point: "send" | "timer"): boolean {
  return FAULT === point;
}
