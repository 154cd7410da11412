// The soak: a real lab under mixed load for M minutes, sampled from outside, with the checks at the end.
//   npm run soak -- [--minutes M] [--clients C] [--database pglite|postgres] [--sample-seconds S] [--json]
// Exit 0 when every request got a 2xx and the chain and the creates check out, 1 otherwise, 2 on bad arguments.
import { parseArgs } from 'node:util';
import { buildReport, textReport } from './report.ts';
import { runSoak, type SoakDatabase } from './soak.ts';

function usage(message: string): never {
  console.error(`soak: ${message}`);
  console.error(
    'usage: npm run soak -- [--minutes M] [--clients C] [--database pglite|postgres] [--sample-seconds S] [--json]',
  );
  process.exit(2);
}

let values: { minutes: string; clients: string; database: string; 'sample-seconds': string; json: boolean };
try {
  ({ values } = parseArgs({
    options: {
      minutes: { type: 'string', default: '15' },
      clients: { type: 'string', default: '8' },
      database: { type: 'string', default: 'pglite' },
      'sample-seconds': { type: 'string', default: '5' },
      json: { type: 'boolean', default: false },
    },
  }));
} catch (err) {
  usage(err instanceof Error ? err.message : String(err));
}
const minutes = Number(values.minutes);
const clients = Number(values.clients);
const sampleSeconds = Number(values['sample-seconds']);
if (!(minutes > 0)) usage('--minutes takes a positive number (fractions allowed: 0.5 is 30 s)');
if (!Number.isInteger(clients) || clients < 1) usage('--clients takes a positive integer');
if (!(sampleSeconds > 0)) usage('--sample-seconds takes a positive number');
const isDatabase = (d: string): d is SoakDatabase => d === 'pglite' || d === 'postgres';
if (!isDatabase(values.database)) usage(`--database is pglite or postgres, not "${values.database}"`);
const database = values.database;

const result = await runSoak({
  seconds: minutes * 60,
  clients,
  database,
  sampleEveryMs: sampleSeconds * 1000,
  progress: (line) => console.error(`soak: ${line}`),
});
const report = buildReport(result);
console.log(textReport(result, report));
if (values.json) {
  // Per-request records stay out: a 15-minute run makes hundreds of thousands.
  const { records: _records, ...rest } = result;
  console.log(JSON.stringify({ ...rest, report }, null, 2));
}
process.exit(report.failures.length ? 1 : 0);
