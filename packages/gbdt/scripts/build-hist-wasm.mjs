// Assembles src/hist-kernel.wat into src/hist-kernel.wasm (committed, so running needs no assembler):
//   npm run build:hist-wasm -w @polymorph/gbdt
// hist-wasm.test.ts checks that the committed binary is what this produces.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import wabtInit from 'wabt';

const WAT = new URL('../src/hist-kernel.wat', import.meta.url);
export const WASM = new URL('../src/hist-kernel.wasm', import.meta.url);

/** The binary of hist-kernel.wat (shared memory needs the threads feature). */
export async function assembleHistKernel() {
  const wabt = await wabtInit();
  const mod = wabt.parseWat('hist-kernel.wat', readFileSync(WAT, 'utf8'), { threads: true });
  try {
    return new Uint8Array(mod.toBinary({}).buffer);
  } finally {
    mod.destroy();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const bytes = await assembleHistKernel();
  const tmp = `${fileURLToPath(WASM)}.tmp`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, WASM);
  process.stdout.write(`wrote ${fileURLToPath(WASM)} (${bytes.length} bytes)\n`);
}
