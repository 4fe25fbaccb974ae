// The host modules as a library, for tests and tools (bundled to dist/lib.cjs).
export { Meter } from "./meter/meter";
export { defaultHashsize, cacheBytesAtMost } from "./config/cache";
export type { TargetConfig, MeterSnapshot } from "./meter/meter";
export { Core } from "./meter/core";
export { meterFile, KNOWN_LINKTYPES } from "./sources/file";
export { parseOptions } from "./config/options";
export { helpText } from "./config/help";
export { summaryText, ProgressLine } from "./stats/summary";
export * as layout from "../assembly/layout";
export * from "./errors";
export { main } from "./cli";
export { forEachDatagram } from "./sinks/units";
export { UdpDestination } from "./targets/udp";
export { Pacer } from "./targets/pacer";
export { DestinationSet } from "./targets/destinations";
export { parseCollectors } from "./config/collectors";
export { readRoutes, loadRoutes, readInterfaceNames } from "./host/routes";
export { meterLive } from "./sources/shim";
