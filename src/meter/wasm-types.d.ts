// assembly/layout.ts is read by both compilers; for TypeScript its AssemblyScript integer
// type annotations are plain numbers.
type u32 = number;

// The few WebAssembly JS API names the host uses (TypeScript ships them only with the DOM lib).
declare namespace WebAssembly {
  class Module {
    constructor(bytes: ArrayBufferView | ArrayBuffer);
  }
  class Instance {
    constructor(module: Module, imports: Record<string, unknown>);
    readonly exports: Record<string, unknown>;
  }
  class Memory {
    readonly buffer: ArrayBuffer;
  }
}
