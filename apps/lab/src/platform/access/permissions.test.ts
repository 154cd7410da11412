import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  ALL_PERMISSIONS,
  hasPermission,
  isPermission,
  isRole,
  permissionsOf,
  ROLE_PERMISSIONS,
  ROLES,
  renderRoleMatrixMarkdown,
} from './permissions.ts';

describe('role matrix', () => {
  it('has the four specified roles', () => {
    expect([...ROLES]).toEqual(['admin', 'scientist', 'technician', 'compliance']);
    expect(isRole('admin')).toBe(true);
    expect(isRole('Admin')).toBe(false);
  });

  it('admin holds every permission', () => {
    for (const p of ALL_PERMISSIONS) expect(hasPermission(['admin'], p)).toBe(true);
  });

  it('follows the specified role table', () => {
    for (const r of ['workflows', 'samples', 'runs']) {
      for (const a of ['create', 'read', 'update'])
        expect(hasPermission(['scientist'], `${r}:${a}`)).toBe(true);
    }
    expect(hasPermission(['scientist'], 'devices:read')).toBe(true);
    expect(hasPermission(['scientist'], 'devices:update')).toBe(false);
    expect(hasPermission(['scientist'], 'samples:delete')).toBe(false);

    for (const r of ['runs', 'inventory', 'calibration']) {
      for (const a of ['create', 'read']) expect(hasPermission(['technician'], `${r}:${a}`)).toBe(true);
    }
    expect(hasPermission(['technician'], 'devices:read')).toBe(true);
    expect(hasPermission(['technician'], 'samples:create')).toBe(false);
    expect(hasPermission(['technician'], 'workflows:update')).toBe(false);

    for (const r of ['audit', 'runs', 'samples', 'workflows'])
      expect(hasPermission(['compliance'], `${r}:read`)).toBe(true);
  });

  it('keeps compliance read-only apart from signing reviews', () => {
    const writes = ROLE_PERMISSIONS.compliance.filter((p) => !/:(read|export|verify)$/.test(p));
    expect(writes).toEqual(['signatures:create']);
  });

  it('keeps user administration and sample deletion with admin only', () => {
    for (const role of ['scientist', 'technician', 'compliance']) {
      for (const p of ['users:create', 'users:update', 'samples:delete', 'devices:create', 'sites:create']) {
        expect(hasPermission([role], p)).toBe(false);
      }
    }
  });

  it('denies by default: no roles, unknown roles, unknown or wildcard permissions, other spellings', () => {
    expect(hasPermission([], 'samples:read')).toBe(false);
    expect(hasPermission(['superuser'], 'samples:read')).toBe(false);
    expect(hasPermission(['Admin'], 'samples:read')).toBe(false);
    expect(hasPermission(['admin'], 'samples:*')).toBe(false);
    expect(hasPermission(['admin'], '*')).toBe(false);
    expect(hasPermission(['admin'], 'Samples:Read')).toBe(false);
    expect(hasPermission(['admin'], 'rockets:launch')).toBe(false);
    expect(hasPermission(['admin'], '')).toBe(false);
    expect(hasPermission(['constructor'], 'samples:read')).toBe(false);
  });

  it('grants the union of several roles', () => {
    expect(hasPermission(['technician', 'compliance'], 'audit:read')).toBe(true);
    expect(hasPermission(['technician', 'compliance'], 'inventory:create')).toBe(true);
    expect(permissionsOf(['technician', 'compliance']).length).toBeGreaterThan(
      permissionsOf(['technician']).length,
    );
  });

  it('uses only catalogued resource:action permissions, without duplicates', () => {
    expect(new Set(ALL_PERMISSIONS).size).toBe(ALL_PERMISSIONS.length);
    for (const [role, permissions] of Object.entries(ROLE_PERMISSIONS)) {
      expect(new Set(permissions).size, role).toBe(permissions.length);
      for (const p of permissions) {
        expect(isPermission(p), `${role}: ${p}`).toBe(true);
        expect(p).toMatch(/^[a-z_]+:[a-z_]+$/);
      }
    }
  });

  it('is documented in docs/compliance/roles.md exactly as it is in code', () => {
    const doc = readFileSync(new URL('../../../../../docs/compliance/roles.md', import.meta.url), 'utf8');
    expect(doc).toContain(renderRoleMatrixMarkdown());
  });
});
