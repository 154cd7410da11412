// The roles of the lab's permission matrix, as the API's user schemas type them.
import type { components } from '../../api/generated/lab.d.ts';

export type RoleName = components['schemas']['User']['roles'][number];
export const ROLE_NAMES = ['admin', 'scientist', 'technician', 'compliance'] as const;
