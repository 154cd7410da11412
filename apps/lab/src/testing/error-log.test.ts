// A 500's log line names the failed statement and its SQLSTATE, never the values the request sent.
import { Writable } from 'node:stream';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type TestLab, testLab, userWithRole } from './lab-app.ts';

const PERSONAL = 'Jane Roe <jane.roe@example.com>';
const lines: string[] = [];
let lab: TestLab;

beforeAll(async () => {
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  lab = await testLab({ logLevel: 'error' }, stream);
});
afterAll(async () => lab.close());

it('logs a failed query without its parameters or the database’s detail', async () => {
  const { auth } = await userWithRole(lab, 'admin');
  // Someone with rights over the database adds a rule the application does not know: the insert fails.
  await lab.superuser.db.execute(
    sql.raw(`ALTER TABLE samples ADD CONSTRAINT no_such_name CHECK (name IS DISTINCT FROM '${PERSONAL}')`),
  );
  const res = await lab.app.inject({
    method: 'POST',
    url: '/api/samples',
    headers: auth,
    payload: { name: PERSONAL },
  });
  expect(res.statusCode).toBe(500);
  const log = lines.join('');
  const entry = JSON.parse(lines.find((l) => l.includes('unhandled error'))!);
  expect(log).not.toContain('jane.roe');
  expect(log).not.toContain('Jane Roe');
  expect(entry.err.query).toMatch(/^insert into "samples"|INSERT INTO samples/i);
  expect(entry.err.message).toContain('params: [redacted]');
  expect(entry.err.cause).toMatchObject({ code: '23514', constraint: 'no_such_name' });
});
