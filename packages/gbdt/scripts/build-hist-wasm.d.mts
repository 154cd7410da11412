export const WASM: URL;
export function assembleHistKernel(): Promise<Uint8Array>;
