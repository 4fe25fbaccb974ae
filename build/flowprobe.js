export async function instantiate(module, imports = {}) {
  const { exports } = await WebAssembly.instantiate(module, imports);
  const memory = exports.memory || imports.env.memory;
  const adaptedExports = Object.setPrototypeOf({
    init(seedLo, seedHi) {
      // assembly/index/init(u32, u32) => u32
      return exports.init(seedLo, seedHi) >>> 0;
    },
    configureTarget(t, maxflows, indexMax, inactiveS, activeS, format) {
      // assembly/index/configureTarget(u32, u32, u32, u32, u32, u32) => u32
      return exports.configureTarget(t, maxflows, indexMax, inactiveS, activeS, format) >>> 0;
    },
    walkPcap(len, swapped, nanos, linktype, snaplen) {
      // assembly/index/walkPcap(u32, u32, u32, u32, u32) => u32
      return exports.walkPcap(len, swapped, nanos, linktype, snaplen) >>> 0;
    },
    walkPcapng(len, swapped) {
      // assembly/index/walkPcapng(u32, u32) => u32
      return exports.walkPcapng(len, swapped) >>> 0;
    },
    walkBatch(records) {
      // assembly/index/walkBatch(u32) => u32
      return exports.walkBatch(records) >>> 0;
    },
    advance(nsLo, nsHi) {
      // assembly/index/advance(u32, u32) => u32
      return exports.advance(nsLo, nsHi) >>> 0;
    },
    flushAll(reason) {
      // assembly/index/flushAll(u32) => u32
      return exports.flushAll(reason) >>> 0;
    },
    outputLength() {
      // assembly/index/outputLength() => u32
      return exports.outputLength() >>> 0;
    },
  }, exports);
  return adaptedExports;
}
