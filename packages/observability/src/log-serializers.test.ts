import { Writable } from 'node:stream';
import Fastify from 'fastify';
import { expect, it } from 'vitest';
import { errorSerializer, logSerializers } from './log-serializers.ts';

/** A query error as drizzle wraps a driver's: the statement, its parameters, and the database's error. */
function failedQuery() {
  const cause = Object.assign(new Error('invalid input syntax for type uuid: "bob@example.com"'), {
    code: '22P02',
    severity: 'ERROR',
    detail: 'Key (email)=(bob@example.com) already exists.',
    where: 'SQL statement with bob@example.com',
    routine: 'string_to_uuid',
  });
  const query = 'insert into "users" ("email", "name") values ($1, $2)';
  const err = new Error(`Failed query: ${query}\nparams: bob@example.com,Bob Smith`, { cause });
  return Object.assign(err, { query, params: ['bob@example.com', 'Bob Smith'] });
}

it('keeps the statement, the code and the routine, and drops every parameter', () => {
  const out = JSON.stringify(errorSerializer(failedQuery()));
  expect(out).not.toMatch(/bob@example\.com|Bob Smith/);
  expect(JSON.parse(out)).toMatchObject({
    query: 'insert into "users" ("email", "name") values ($1, $2)',
    message: expect.stringContaining('params: [redacted]'),
    stack: expect.stringContaining('log-serializers.test.ts'),
    cause: {
      code: '22P02',
      routine: 'string_to_uuid',
      message: 'invalid input syntax for type uuid: "[redacted]"',
    },
  });
});

it('is what a Fastify logger given logSerializers writes for { err }', async () => {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const app = Fastify({ logger: { level: 'error', serializers: logSerializers, stream } });
  app.log.error({ err: failedQuery() }, 'boom');
  await app.close();
  expect(lines.join('')).toContain('"code":"22P02"');
  expect(lines.join('')).not.toContain('bob@example.com');
  expect(errorSerializer('not an error' as unknown as Error)).toBe('not an error');
});
