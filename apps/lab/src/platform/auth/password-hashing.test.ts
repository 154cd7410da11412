import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import {
  type Argon2Params,
  hashPassword,
  needsRehash,
  OWASP_ARGON2ID_PARAMS,
  PasswordHashFormatError,
  prepareDummyHash,
  verifyAgainstDummy,
  verifyPassword,
} from './password-hashing.ts';

// Cheap parameters for tests of logic; one test below runs the production parameters.
const CHEAP: Argon2Params = { memoryCost: 1024, timeCost: 1, parallelism: 1 };

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

describe('password hashing (argon2id)', () => {
  it('uses the OWASP parameters in production and records them in the PHC string', async () => {
    const started = performance.now();
    const hash = await hashPassword('correct horse battery staple');
    const hashMs = performance.now() - started;
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
    const verifyStarted = performance.now();
    expect(await verifyPassword(hash, 'correct horse battery staple')).toBe(true);
    const verifyMs = performance.now() - verifyStarted;
    expect(await verifyPassword(hash, 'correct horse battery stapl')).toBe(false);
    expect(needsRehash(hash)).toBe(false);
    // Visible in the test log, for the report; a hash that took under 5 ms would not be argon2id at 19 MiB.
    console.log(`argon2id m=19456 t=2 p=1: hash ${hashMs.toFixed(1)} ms, verify ${verifyMs.toFixed(1)} ms`);
    expect(hashMs).toBeGreaterThan(5);
  });

  it('salts every hash', async () => {
    const a = await hashPassword('same password here', CHEAP);
    const b = await hashPassword('same password here', CHEAP);
    expect(a).not.toBe(b);
    expect(await verifyPassword(a, 'same password here')).toBe(true);
    expect(await verifyPassword(b, 'same password here')).toBe(true);
  });

  it('normalises Unicode (NFKC) so composed and decomposed input match', async () => {
    const composed = 'caf\u00e9-passw0rd-long';
    const decomposed = 'cafe\u0301-passw0rd-long';
    const hash = await hashPassword(composed, CHEAP);
    expect(await verifyPassword(hash, decomposed)).toBe(true);
  });

  it('asks for a rehash when the parameters or the algorithm differ', async () => {
    const cheap = await hashPassword('some password 123', CHEAP);
    expect(needsRehash(cheap, CHEAP)).toBe(false);
    expect(needsRehash(cheap, OWASP_ARGON2ID_PARAMS)).toBe(true);
    expect(needsRehash('$2b$10$abcdefghijklmnopqrstuu5Z3v5B6tQ8hP8l0p9m5b9Z0mZ7cYb6')).toBe(true);
    expect(needsRehash('garbage')).toBe(true);
  });

  it('refuses to treat a malformed stored hash as a wrong password', async () => {
    await expect(verifyPassword('not-a-hash', 'x')).rejects.toBeInstanceOf(PasswordHashFormatError);
    await expect(verifyPassword('$argon2id$v=19$m=1024,t=1,p=1$broken', 'x')).rejects.toBeInstanceOf(
      PasswordHashFormatError,
    );
  });

  it('verifyAgainstDummy always fails and costs about as much as a real verification', async () => {
    const real = await hashPassword('a real users password', OWASP_ARGON2ID_PARAMS);
    await prepareDummyHash(OWASP_ARGON2ID_PARAMS);
    // CPU time of this process (argon2 runs on its thread pool), not wall time: the work done does not
    // change when other processes load the machine.
    const cpuMs = async (work: () => Promise<unknown>) => {
      const before = process.cpuUsage();
      await work();
      const used = process.cpuUsage(before);
      return (used.user + used.system) / 1000;
    };
    const realTimes: number[] = [];
    const dummyTimes: number[] = [];
    for (let i = 0; i < 5; i++) {
      realTimes.push(await cpuMs(() => verifyPassword(real, 'wrong guess')));
      dummyTimes.push(
        await cpuMs(async () =>
          expect(await verifyAgainstDummy('wrong guess', OWASP_ARGON2ID_PARAMS)).toBe(false),
        ),
      );
    }
    const ratio = median(dummyTimes) / median(realTimes);
    console.log(`unknown-email vs wrong-password verify CPU time ratio: ${ratio.toFixed(2)}`);
    expect(ratio).toBeGreaterThan(0.5);
    expect(ratio).toBeLessThan(2);
  });
});
