/**
 * The role -> permission matrix, as data. The specification gives the four roles; the LIMS and Part 11
 * resources are added where it is silent (see docs/compliance/roles.md for the reasoning). The `roles` table
 * is seeded from ROLE_PERMISSIONS; the route guard asks `hasPermission`. Anything not listed is denied.
 */

export const ROLES = ['admin', 'scientist', 'technician', 'compliance'] as const;
export type Role = (typeof ROLES)[number];

/** Every resource and the actions it has. A permission is `resource:action`. */
export const RESOURCE_ACTIONS = {
  users: ['create', 'read', 'update'],
  audit: ['read', 'export', 'verify'],
  signatures: ['create', 'read'],
  projects: ['create', 'read', 'update'],
  batches: ['create', 'read', 'update', 'approve'],
  containers: ['create', 'read', 'update'],
  samples: ['create', 'read', 'update', 'delete'],
  inventory: ['create', 'read', 'update', 'consume'],
  calibration: ['create', 'read', 'update'],
  devices: ['create', 'read', 'update'],
  sites: ['create', 'read', 'update'],
  workflows: ['create', 'read', 'update', 'approve', 'activate'],
  runs: ['create', 'read', 'update', 'pause', 'resume', 'abort'],
  // read: references and identification results; identify: run an identification (stored);
  // manage: upload reference spectra and versions, retire references.
  polymorph: ['read', 'identify', 'manage'],
  // Human-readable copies of records; each record type's own read permission applies as well.
  reports: ['read'],
} as const satisfies Record<string, readonly string[]>;

export type Resource = keyof typeof RESOURCE_ACTIONS;
export type Permission = {
  [R in Resource]: `${R}:${(typeof RESOURCE_ACTIONS)[R][number]}`;
}[Resource];

export const ALL_PERMISSIONS: readonly Permission[] = Object.entries(RESOURCE_ACTIONS).flatMap(
  ([resource, actions]) => actions.map((action) => `${resource}:${action}` as Permission),
);

const crud = <R extends Resource>(
  resource: R,
  ...actions: (typeof RESOURCE_ACTIONS)[R][number][]
): Permission[] => actions.map((action) => `${resource}:${action}` as Permission);

export const ROLE_PERMISSIONS: Readonly<Record<Role, readonly Permission[]>> = Object.freeze({
  // Specified: full access to all resources.
  admin: ALL_PERMISSIONS,
  // Specified: create/read/update workflows, samples, runs; read devices.
  scientist: [
    ...crud('workflows', 'create', 'read', 'update', 'approve', 'activate'),
    ...crud('samples', 'create', 'read', 'update'),
    ...crud('runs', 'create', 'read', 'update', 'pause', 'resume', 'abort'),
    ...crud('devices', 'read'),
    ...crud('projects', 'create', 'read', 'update'),
    ...crud('batches', 'create', 'read', 'update', 'approve'),
    ...crud('containers', 'create', 'read', 'update'),
    ...crud('inventory', 'read', 'consume'),
    ...crud('calibration', 'read'),
    ...crud('sites', 'read'),
    ...crud('signatures', 'create', 'read'),
    ...crud('polymorph', 'read', 'identify', 'manage'),
    ...crud('reports', 'read'),
  ],
  // Specified: create/read runs, inventory, calibration; read devices.
  technician: [
    // Whoever runs an experiment can stop it (abort), and pause or resume it at the bench.
    ...crud('runs', 'create', 'read', 'pause', 'resume', 'abort'),
    ...crud('inventory', 'create', 'read', 'consume'),
    ...crud('calibration', 'create', 'read'),
    ...crud('devices', 'read'),
    ...crud('samples', 'read'),
    ...crud('containers', 'read'),
    ...crud('projects', 'read'),
    ...crud('batches', 'read'),
    ...crud('workflows', 'read'),
    ...crud('sites', 'read'),
    ...crud('signatures', 'create', 'read'),
    // Whoever acquires spectra at the bench identifies them; the library is the scientists'.
    ...crud('polymorph', 'read', 'identify'),
    ...crud('reports', 'read'),
  ],
  // Specified: read-only access to audit, runs, samples, workflows.
  compliance: [
    ...crud('audit', 'read', 'export', 'verify'),
    ...crud('runs', 'read'),
    ...crud('samples', 'read'),
    ...crud('workflows', 'read'),
    ...crud('projects', 'read'),
    ...crud('batches', 'read'),
    ...crud('containers', 'read'),
    ...crud('inventory', 'read'),
    ...crud('calibration', 'read'),
    ...crud('devices', 'read'),
    ...crud('sites', 'read'),
    ...crud('users', 'read'),
    ...crud('polymorph', 'read'),
    // The one write: signing a review (e.g. `audit_trail_reviewed`) is what this role is for.
    ...crud('signatures', 'create', 'read'),
    // Printing a record with its trail and signatures is what an inspection asks for.
    ...crud('reports', 'read'),
  ],
});

const grants: ReadonlyMap<string, ReadonlySet<string>> = new Map(
  Object.entries(ROLE_PERMISSIONS).map(([role, permissions]) => [role, new Set<string>(permissions)]),
);

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

export function isPermission(value: unknown): value is Permission {
  return typeof value === 'string' && (ALL_PERMISSIONS as readonly string[]).includes(value);
}

/** Default deny: true only when one of the roles is known and grants exactly this permission. */
export function hasPermission(roles: readonly string[], permission: string): boolean {
  return roles.some((role) => grants.get(role)?.has(permission) === true);
}

export function permissionsOf(roles: readonly string[]): Permission[] {
  return ALL_PERMISSIONS.filter((p) => hasPermission(roles, p));
}

/** The matrix as a Markdown table; docs/compliance/roles.md embeds it, and a test keeps the two equal. */
export function renderRoleMatrixMarkdown(): string {
  const header = `| permission | ${ROLES.join(' | ')} |`;
  const rule = `| --- | ${ROLES.map(() => ':---:').join(' | ')} |`;
  const rows = ALL_PERMISSIONS.map(
    (p) => `| \`${p}\` | ${ROLES.map((r) => (hasPermission([r], p) ? 'yes' : '-')).join(' | ')} |`,
  );
  return [header, rule, ...rows].join('\n');
}
