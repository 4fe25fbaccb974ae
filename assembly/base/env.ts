// Host imports: none. The compiler's abort hook (bounds and assertion failures, which the
// release build compiles out) traps instead of calling out, so the core has no imports at all.

// @ts-ignore: decorator
@global
export function abort(message: usize, fileName: usize, line: u32, column: u32): void {
  unreachable();
}
