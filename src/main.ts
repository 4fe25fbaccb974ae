// Entry point of the bundle and of the single executable.
import { main } from "./cli";
import { CAPTURE_CHILD, capChildMain } from "./capture/cap";

const args = process.argv.slice(2);
// flowprobe started again by itself as the libpcap capture process (--capture cap)
(args[0] === CAPTURE_CHILD ? capChildMain(args.slice(1)) : main(args)).then(
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
