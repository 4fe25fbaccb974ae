// The host modules as a library, for tests and tools (bundled to dist/lib.cjs).
export { Meter, defaultHashsize, cacheBytesAtMost } from "./meter/meter";
export type { TargetConfig, MeterSnapshot } from "./meter/meter";
export { Core } from "./meter/core";
export { meterFile, KNOWN_LINKTYPES } from "./capture/file";
export { parseOptions, helpText } from "./config/options";
export { summaryText, ProgressLine } from "./stats/summary";
export * as layout from "../assembly/layout";
export * from "./errors";
export { main } from "./cli";
export { forEachDatagram } from "./meter/meter";
export { UdpDestination, Pacer, parseCollectors } from "./export/udp";
export { readRoutes, loadRoutes, readInterfaceNames } from "./capture/routes";
export { meterLive } from "./capture/live";
