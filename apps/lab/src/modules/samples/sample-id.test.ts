import { describe, expect, it } from 'vitest';
import { testLab } from '../../testing/lab-app.ts';
import { SampleIdPatternError, validateSampleIdPattern } from './sample-id.ts';

describe('sample id pattern', () => {
  it('accepts patterns with one {SEQ} and refuses the rest', () => {
    expect(validateSampleIdPattern('S-{YYYY}-{SEQ:6}')).toBe('S-{YYYY}-{SEQ:6}');
    expect(validateSampleIdPattern('QC{YY}{MM}{DD}.{SEQ}')).toBe('QC{YY}{MM}{DD}.{SEQ}');
    for (const bad of ['S-{YYYY}', 'S-{SEQ}-{SEQ}', 'S {SEQ}', 'S-{WEEK}-{SEQ}', '-{SEQ}', 'a/{SEQ}']) {
      expect(() => validateSampleIdPattern(bad), bad).toThrow(SampleIdPatternError);
    }
  });

  it('a configured pattern generates ids in the database, widening past its digits', async () => {
    const lab = await testLab();
    try {
      const { SampleService } = await import('./service.ts');
      const { systemCaller } = await import('../../platform/access/lab-scope.ts');
      const service = new SampleService(lab.app.lab.uow, lab.app.lab.metrics, 'QC{YY}{MM}-{SEQ:1}');
      const users = await lab.app.lab.users.create(
        { email: 'idgen@lab.test', name: 'P', password: 'Quartz-Lantern-seq-77', roles: ['scientist'] },
        { actor: 'system:test', requestId: null, ip: null },
      );
      const caller = { ...systemCaller('system:test', null), email: users.email };
      const ids: string[] = [];
      for (let i = 0; i < 11; i++) ids.push((await service.create({}, caller)).sample_id);
      const now = new Date();
      const prefix = `QC${String(now.getUTCFullYear()).slice(2)}${String(now.getUTCMonth() + 1).padStart(2, '0')}-`;
      expect(ids[0]).toBe(`${prefix}1`);
      expect(ids[10]).toBe(`${prefix}11`);
    } finally {
      await lab.close();
    }
  });
});
