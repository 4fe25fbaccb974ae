// Entry point of the bundle and of the single executable.
import { fatal, signalActions } from "./process"; // first: signal and error handlers before anything else runs
import { main } from "./cli";
import { CAPTURE_CHILD, capChildMain } from "./sources/cap";

const args = process.argv.slice(2);
if (args[0] === CAPTURE_CHILD) {
  // the libpcap capture child: its parent owns statistics and reload
  signalActions.usr1 = () => "";
  signalActions.hup = () => {};
}
// flowprobe started again by itself as the libpcap capture process (--capture cap)
(args[0] === CAPTURE_CHILD ? capChildMain(args.slice(1)) : main(args)).then(
  (code) => {
    // Everything is written and sent by now (output is written synchronously, sends were
    // awaited). Exit explicitly: a read still pending on a quiet pipe after SIGTERM would
    // otherwise keep the process waiting for its writer.
    process.exit(code);
  },
  fatal, // not one of ours: a bug, reported as such
);
