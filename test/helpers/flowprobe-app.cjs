// flowprobe's command line run through the library (dist/lib.cjs), with app options the
// command line does not have — intervals and clocks (src/app.ts AppOptions) — so a test need
// not wait out a default interval:
//   node flowprobe-app.cjs '{"routesEveryTicks":1}' -i fp0 …
// Otherwise as dist/flowprobe.cjs (src/main.ts): its exit status, an internal error exits 70.
const lib = require("../../dist/lib.cjs");

const [options, ...args] = process.argv.slice(2);
lib.main(args, JSON.parse(options)).then((code) => process.exit(code), lib.fatal);
