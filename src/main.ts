// Entry point of the bundle and of the single executable.
import { main } from "./cli";

main(process.argv.slice(2)).then(
  (code) => {
    // Everything is written and sent by now (output is written synchronously, sends were
    // awaited). Exit explicitly: a read still pending on a quiet pipe after SIGTERM would
    // otherwise keep the process waiting for its writer.
    process.exit(code);
  },
  (e: unknown) => {
    // not one of ours: a bug, reported as such
    process.stderr.write(`flowprobe: internal error: ${(e as Error)?.stack ?? String(e)}\n`);
    process.exitCode = 70;
  },
);
