import type { HistKernel } from './hist-kernel.mjs';

/** A shared WebAssembly.Memory, as far as TypeScript code here needs it (the DOM types are not loaded). */
export interface WasmMemory {
  readonly buffer: SharedArrayBuffer;
}

export function sharedWasmMemory(pages: number): WasmMemory;

export function wasmHistKernel(memory: WasmMemory, scratch: Float64Array, counts: boolean): HistKernel;
