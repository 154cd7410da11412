import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { withSecretFiles } from './secret-files.ts';

const dir = mkdtempSync(join(tmpdir(), 'secret-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const error = (variable: string, message: string) => new Error(`${variable}: ${message}`);

describe('withSecretFiles', () => {
  it('sets NAME from the file NAME_FILE names, without its final line break', () => {
    const env = withSecretFiles(
      { TOKEN_FILE: file('token', 's3cr3t-value\n'), OTHER: 'x' },
      ['TOKEN'],
      error,
    );
    expect(env['TOKEN']).toBe('s3cr3t-value');
    expect(env['OTHER']).toBe('x');
    const pem = '-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----\n';
    expect(withSecretFiles({ KEY_FILE: file('key.pem', pem) }, ['KEY'], error)['KEY']).toBe(pem.slice(0, -1));
  });

  it('leaves NAME alone when NAME_FILE is unset or empty', () => {
    expect(withSecretFiles({ TOKEN: 'direct' }, ['TOKEN'], error)).toEqual({ TOKEN: 'direct' });
    expect(withSecretFiles({ TOKEN_FILE: '' }, ['TOKEN'], error)['TOKEN']).toBeUndefined();
  });

  it('refuses a missing or empty file, or both variables, naming NAME_FILE and never the value', () => {
    expect(() => withSecretFiles({ TOKEN_FILE: join(dir, 'absent') }, ['TOKEN'], error)).toThrow(
      /^TOKEN_FILE: cannot read the file .*absent \(ENOENT\)$/,
    );
    expect(() => withSecretFiles({ TOKEN_FILE: file('blank', ' \n') }, ['TOKEN'], error)).toThrow(
      /^TOKEN_FILE: the file .*blank is empty$/,
    );
    const both = () =>
      withSecretFiles({ TOKEN: 'direct-value', TOKEN_FILE: file('t2', 'file-value') }, ['TOKEN'], error);
    expect(both).toThrow('TOKEN_FILE: set TOKEN or TOKEN_FILE, not both');
    expect(both).not.toThrow(/direct-value|file-value/);
  });
});
