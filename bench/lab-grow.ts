// Child process for bench/lab-backup.ts: grows the configured lab database (the CLI's environment:
// POLYMORPH_DATA_DIR, DATABASE_URL, POLYMORPH_AUDIT_HEAD_FILE) by argv[2] samples, created in bulk
// through the samples service as seed-demo does, so every one is audited and checkpoints are signed.
import { buildApp } from '../apps/lab/src/app.ts';
import { loadConfig } from '../apps/lab/src/config.ts';
import { migrate } from '../apps/lab/src/db/migrate.ts';
import { openConfiguredDatabase } from '../apps/lab/src/main.ts';
import { DEMO_ACTOR } from '../apps/lab/src/modules/demo/seed-demo.ts';
import { BULK_LIMIT } from '../apps/lab/src/modules/samples/schemas.ts';
import { ensureDefaultSite } from '../apps/lab/src/modules/sites/port.ts';
import { systemCaller } from '../apps/lab/src/platform/access/lab-scope.ts';
import { headFileToKeep } from '../apps/lab/src/platform/audit/signed-head.ts';
import { loadServerSecrets } from '../apps/lab/src/secrets.ts';

const count = Number(process.argv[2]);
const config = loadConfig();
const database = await openConfiguredDatabase(config);
try {
  await migrate(database);
  const secrets = await loadServerSecrets(config);
  const head = await headFileToKeep(database, config.auditHeadFile, secrets.signingKey.publicKey);
  const app = await buildApp({
    config: { ...config, logLevel: 'warn' },
    database,
    secrets,
    auditHeadFile: head.file,
  });
  try {
    const site = await ensureDefaultSite(app.lab.uow);
    // The demo's scientist, in the default lab (seed-demo made them).
    const caller = {
      ...systemCaller(DEMO_ACTOR, site.labId),
      email: 'demo-scientist@polymorph.example',
      allLabs: false,
    };
    for (let made = 0; made < count; made += BULK_LIMIT) {
      const batch = Array.from({ length: Math.min(BULK_LIMIT, count - made) }, (_, i) => ({
        name: `Bench sample ${made + i + 1}`,
        lot_number: `LOT-BENCH-${1000 + ((made + i) % 37)}`,
        quantity: 10,
        unit: 'mL',
        metadata: { matrix: 'solution', storage: '2-8C', bench: true },
      }));
      await app.lab.lims.samples.createBulk(batch, caller);
    }
  } finally {
    await app.close();
  }
} finally {
  await database.close();
}
