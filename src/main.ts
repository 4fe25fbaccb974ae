// Entry point of the bundle and of the single executable.
import { main } from "./cli";

process.exitCode = main(process.argv.slice(2));
