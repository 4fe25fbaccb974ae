// Entry point of the bundle and of the single executable.
import { main } from "./cli";

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    // not one of ours: a bug, reported as such
    process.stderr.write(`flowprobe: internal error: ${(e as Error)?.stack ?? String(e)}\n`);
    process.exitCode = 70;
  },
);
