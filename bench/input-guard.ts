// npm run bench:input-guard — what the hostile-input guard (@polymorph/http-problem/input-guard: NUL
// characters, unpaired surrogates, nesting deeper than 32, refused before validation) costs a normal
// request. Both services install it for every route (registerProblemHandlers), with no switch, so this
// builds its own Fastify app from the same parts: the samples routes' TypeBox schemas and the guard's
// own preValidation hook, once with it and once without; requests go through `app.inject` (no sockets,
// no database), so the difference is the guard's. Baselines in the same run: the same app without the
// guard, and JSON.parse of the same body (what every JSON request costs before any hook). Figures are
// this process's CPU time per request (process.cpuUsage), interleaved rounds, medians.
// env BENCH_ROUNDS (5), BENCH_REQUESTS (per variant per round, 5000).
import { cpus, loadavg } from 'node:os';
import { refuseUnstorableInput, unstorableFields } from '@polymorph/http-problem/input-guard';
import Fastify, { type FastifyInstance } from 'fastify';
import {
  BULK_LIMIT,
  SampleBulkCreate,
  SampleCreate,
  SampleListQuery,
} from '../apps/lab/src/modules/samples/schemas.ts';
import { buildLabValidator } from '../apps/lab/src/platform/http/validation.ts';

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 5);
const REQUESTS = Number(process.env['BENCH_REQUESTS'] ?? 5000);
// This process's CPU time, not wall time: other jobs on a shared machine stretch the wall clock, not this.
const cpuUs = () => {
  const { user, system } = process.cpuUsage();
  return user + system;
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

const sample = (i: number) => ({
  name: `Tablet sample ${i}`,
  lot_number: `LOT-${1000 + (i % 7)}`,
  quantity: 10,
  unit: 'mL',
  metadata: { matrix: 'solid', storage: '2-8C', timepoint_months: 6, notes: 'assay and dissolution' },
});
const one = JSON.stringify(sample(1));
const bulk = JSON.stringify({ samples: Array.from({ length: BULK_LIMIT }, (_, i) => sample(i)) });
const query = '/api/samples?status=active&q=LOT-1003&project_id=DEMO-STAB&limit=50&sort=-created_at';

async function app(guarded: boolean): Promise<FastifyInstance> {
  // The lab's validator set-up (app.ts): the same compilers, so validation costs what it costs there.
  const a = Fastify({
    logger: false,
    ajv: { customOptions: { allErrors: true, coerceTypes: 'array', removeAdditional: false } },
    schemaController: { compilersFactory: { buildValidator: buildLabValidator } },
  });
  if (guarded) a.addHook('preValidation', refuseUnstorableInput);
  a.post('/api/samples', { schema: { body: SampleCreate } }, async (_req, reply) =>
    reply.code(201).send({ ok: true }),
  );
  a.post('/api/samples/bulk', { schema: { body: SampleBulkCreate } }, async (_req, reply) =>
    reply.code(201).send({ ok: true }),
  );
  a.get('/api/samples', { schema: { querystring: SampleListQuery } }, async () => ({ ok: true }));
  await a.ready();
  return a;
}

const requests: { name: string; method: 'GET' | 'POST'; url: string; payload?: string }[] = [
  { name: 'POST /api/samples (1 sample)', method: 'POST', url: '/api/samples', payload: one },
  { name: 'POST /api/samples/bulk (100 samples)', method: 'POST', url: '/api/samples/bulk', payload: bulk },
  { name: 'GET /api/samples?… (5 query parameters)', method: 'GET', url: query },
];
type Req = (typeof requests)[number];

/** CPU µs per request through inject, for REQUESTS requests; every answer must be a success. */
async function perRequest(a: FastifyInstance, { name, method, url, payload }: Req): Promise<number> {
  const t0 = cpuUs();
  for (let i = 0; i < REQUESTS; i++) {
    const res = await a.inject({
      method,
      url,
      ...(payload ? { payload, headers: { 'content-type': 'application/json' } } : {}),
    });
    if (res.statusCode >= 300) throw new Error(`${name}: ${res.statusCode} ${res.body}`);
  }
  return (cpuUs() - t0) / REQUESTS;
}

/** CPU µs per call of a function, over many calls in a row. */
function perCall(fn: () => unknown, calls = REQUESTS * 4): number {
  const t0 = cpuUs();
  for (let i = 0; i < calls; i++) fn();
  return (cpuUs() - t0) / calls;
}

const bare = await app(false);
const guarded = await app(true);
for (const n of requests) {
  await perRequest(bare, n); // warm-up: JIT, Ajv's compiled validators
  await perRequest(guarded, n);
}
const times: Record<string, number[]> = {};
const record = (key: string, us: number) => {
  times[key] = [...(times[key] ?? []), us];
};
const loadStart = loadavg()[0]!;
for (let round = 0; round < ROUNDS; round++) {
  for (const n of requests) {
    const order = round % 2 ? [guarded, bare] : [bare, guarded];
    for (const a of order)
      record(`${n.name} ${a === bare ? 'without' : 'with'} guard`, await perRequest(a, n));
  }
  record(
    'JSON.parse, 1 sample',
    perCall(() => JSON.parse(one)),
  );
  const parsedOne = JSON.parse(one);
  record(
    'guard alone, 1 sample',
    perCall(() => unstorableFields(parsedOne, 'body')),
  );
  record(
    'JSON.parse, 100 samples',
    perCall(() => JSON.parse(bulk), REQUESTS),
  );
  const parsedBulk = JSON.parse(bulk);
  record(
    'guard alone, 100 samples',
    perCall(() => unstorableFields(parsedBulk, 'body'), REQUESTS),
  );
}
await bare.close();
await guarded.close();

const medians = Object.fromEntries(
  Object.entries(times).map(([k, v]) => [k, Math.round(median(v) * 100) / 100]),
);
for (const [k, v] of Object.entries(medians)) console.log(`${k}: ${v} µs (median of ${ROUNDS})`);
const comparison = Object.fromEntries(
  requests.map(({ name }) => {
    const without = medians[`${name} without guard`]!;
    const withGuard = medians[`${name} with guard`]!;
    return [
      name,
      {
        without_us: without,
        with_us: withGuard,
        delta_us: Math.round((withGuard - without) * 100) / 100,
        per_round_without_us: (times[`${name} without guard`] ?? []).map((x) => Math.round(x)),
        per_round_with_us: (times[`${name} with guard`] ?? []).map((x) => Math.round(x)),
        ratio: Math.round((withGuard / without) * 1000) / 1000,
      },
    ];
  }),
);
console.log(
  JSON.stringify(
    {
      date: new Date().toISOString(),
      machine: `${cpus().length} x ${cpus()[0]?.model}, node ${process.version}, load avg ${loadStart.toFixed(1)} -> ${loadavg()[0]!.toFixed(1)}`,
      rounds: ROUNDS,
      requests_per_round: REQUESTS,
      inject: comparison,
      in_process_us: {
        json_parse_1: medians['JSON.parse, 1 sample'],
        guard_1: medians['guard alone, 1 sample'],
        json_parse_100: medians['JSON.parse, 100 samples'],
        guard_100: medians['guard alone, 100 samples'],
      },
    },
    null,
    2,
  ),
);
