import { Counter, Gauge, type Registry } from 'prom-client';

/** The lab OS business metrics: one definition, registered on the app's registry, used by every module. */
export function createLabMetrics(registry: Registry) {
  const registers = [registry];
  return {
    logins: new Counter({
      name: 'polymorph_auth_logins_total',
      help: 'Login attempts by result (success, failure, locked, mfa_required)',
      labelNames: ['result'] as const,
      registers,
    }),
    lockouts: new Counter({
      name: 'polymorph_auth_lockouts_total',
      help: 'Accounts locked after too many failed logins',
      registers,
    }),
    auditEvents: new Counter({
      name: 'polymorph_audit_events_total',
      help: 'Audit events committed',
      registers,
    }),
    auditChainValid: new Gauge({
      name: 'polymorph_audit_chain_valid',
      help: '1 when the last audit chain verification passed, 0 when it failed',
      registers,
    }),
    esignatures: new Counter({
      name: 'polymorph_esignatures_total',
      help: 'Electronic signatures applied, by meaning',
      labelNames: ['meaning'] as const,
      registers,
    }),
    esignatureFailures: new Counter({
      name: 'polymorph_esignature_failures_total',
      help: 'Signing attempts refused (wrong password or code, locked, segregation of duties)',
      registers,
    }),
  };
}

export type LabMetrics = ReturnType<typeof createLabMetrics>;
