// The whole lab data model, as one object for Drizzle's relational queries and drizzle-kit.
import * as audit from './schema/audit.ts';
import * as auditReviews from './schema/audit-reviews.ts';
import * as calibration from './schema/calibration.ts';
import * as devices from './schema/devices.ts';
import * as idempotency from './schema/idempotency.ts';
import * as identity from './schema/identity.ts';
import * as instruments from './schema/instruments.ts';
import * as inventory from './schema/inventory.ts';
import * as polymorph from './schema/polymorph.ts';
import * as runs from './schema/runs.ts';
import * as samples from './schema/samples.ts';
import * as signatures from './schema/signatures.ts';
import * as sites from './schema/sites.ts';
import * as workflows from './schema/workflows.ts';

export const schema = {
  ...identity,
  ...audit,
  ...auditReviews,
  ...sites,
  ...devices,
  ...calibration,
  ...samples,
  ...inventory,
  ...workflows,
  ...runs,
  ...polymorph,
  ...instruments,
  ...signatures,
  ...idempotency,
};
export type Schema = typeof schema;
