// The long fuzz run (npm run fuzz): both apps' fuzz tests with many requests per operation, on PGlite, or
// on PostgreSQL when TEST_DATABASE_URL is set. Prints the line docs/reliability.md records (date,
// machine, database, settings); each test prints its operations, requests and failures.
//   FUZZ_RUNS  requests per operation (default 200; CI runs 12 for the lab, 60 for SynFinance)
//   FUZZ_SEED  the seed (default 15, as in CI); the same seed sends the same requests
import { spawnSync } from 'node:child_process';
import os from 'node:os';

const FILES = ['apps/lab/src/testing/fuzz.test.ts', 'apps/synfinance/src/api/fuzz.test.ts'];
const runs = process.env['FUZZ_RUNS'] ?? '200';
const seed = process.env['FUZZ_SEED'] ?? '15';
const cpus = os.cpus();
const database = process.env['TEST_DATABASE_URL'] ? 'PostgreSQL' : 'PGlite';
console.log(
  `fuzz run: ${new Date().toISOString()}; ${cpus[0]?.model ?? 'cpu'} x${cpus.length}, ${Math.round(os.totalmem() / 2 ** 30)} GiB; Node ${process.version}; ${database}; FUZZ_RUNS=${runs} FUZZ_SEED=${seed}`,
);
const result = spawnSync('npx', ['vitest', 'run', ...FILES], {
  stdio: 'inherit',
  env: { ...process.env, FUZZ_RUNS: runs, FUZZ_SEED: seed },
});
process.exit(result.status ?? 1);
