// Child process for bench/lab-backup.ts: grows the configured lab database (the CLI's environment:
// POLYMORPH_DATA_DIR, DATABASE_URL, POLYMORPH_AUDIT_HEAD_FILE) by argv[2] samples, created in bulk
// through the samples service as seed-demo does, so every one is audited and checkpoints are signed.
import { withLab } from '../apps/lab/src/cli.ts';
import { loadConfig } from '../apps/lab/src/config.ts';
import { DEMO_ACTOR } from '../apps/lab/src/modules/demo/seed-demo.ts';
import { BULK_LIMIT } from '../apps/lab/src/modules/samples/schemas.ts';
import { ensureDefaultSite } from '../apps/lab/src/modules/sites/port.ts';
import { systemCaller } from '../apps/lab/src/platform/access/lab-scope.ts';

const count = Number(process.argv[2]);
// The CLI's own opening (migrate, secrets, signed head file, app without listening).
await withLab(loadConfig(), async (app) => {
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
});
