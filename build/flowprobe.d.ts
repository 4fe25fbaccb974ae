declare namespace __AdaptedExports {
  /** Exported memory */
  export const memory: WebAssembly.Memory;
  /**
   * assembly/index/init
   * @param seedLo `u32`
   * @param seedHi `u32`
   * @returns `u32`
   */
  export function init(seedLo: number, seedHi: number): number;
  /**
   * assembly/index/configureTarget
   * @param t `u32`
   * @param maxflows `u32`
   * @param indexMax `u32`
   * @param inactiveS `u32`
   * @param activeS `u32`
   * @param format `u32`
   * @returns `u32`
   */
  export function configureTarget(t: number, maxflows: number, indexMax: number, inactiveS: number, activeS: number, format: number): number;
  /**
   * assembly/index/walkPcap
   * @param len `u32`
   * @param swapped `u32`
   * @param nanos `u32`
   * @param linktype `u32`
   * @param snaplen `u32`
   * @returns `u32`
   */
  export function walkPcap(len: number, swapped: number, nanos: number, linktype: number, snaplen: number): number;
  /**
   * assembly/index/walkPcapng
   * @param len `u32`
   * @param swapped `u32`
   * @returns `u32`
   */
  export function walkPcapng(len: number, swapped: number): number;
  /**
   * assembly/index/walkBatch
   * @param records `u32`
   * @returns `u32`
   */
  export function walkBatch(records: number): number;
  /**
   * assembly/index/setInterfaceCount
   * @param n `u32`
   */
  export function setInterfaceCount(n: number): void;
  /**
   * assembly/index/advance
   * @param nsLo `u32`
   * @param nsHi `u32`
   * @returns `u32`
   */
  export function advance(nsLo: number, nsHi: number): number;
  /**
   * assembly/index/flushAll
   * @param reason `u32`
   * @returns `u32`
   */
  export function flushAll(reason: number): number;
  /**
   * assembly/index/outputLength
   * @returns `u32`
   */
  export function outputLength(): number;
  /**
   * assembly/index/outputReset
   */
  export function outputReset(): void;
}
/** Instantiates the compiled WebAssembly module with the given imports. */
export declare function instantiate(module: WebAssembly.Module, imports: {
}): Promise<typeof __AdaptedExports>;
