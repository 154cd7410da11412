import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { findProblemType, PROBLEM_CATALOGUE } from './catalogue.ts';
import { catalogueProblem, HttpProblem, STATUS_KINDS, statusProblem } from './problem.ts';

describe('problem catalogue', () => {
  it('has one entry per slug, each a status, a title and a description', () => {
    const slugs = PROBLEM_CATALOGUE.map((e) => e.slug);
    expect(new Set(slugs).size).toBe(slugs.length);
    for (const e of PROBLEM_CATALOGUE) {
      expect(e.slug, e.slug).toMatch(/^[a-z]+(-[a-z]+)*$/);
      expect(e.status, e.slug).toBeGreaterThanOrEqual(400);
      expect(e.status, e.slug).toBeLessThan(600);
      expect(e.title.length, e.slug).toBeGreaterThan(2);
      // a sentence on when, and one on what to do
      expect(e.description.length, e.slug).toBeGreaterThan(40);
    }
  });

  it('the kinds a bare status stands for are catalogued with the same status and title', () => {
    for (const [status, kind] of Object.entries(STATUS_KINDS)) {
      expect(findProblemType(kind.slug)).toMatchObject({ status: Number(status), title: kind.title });
    }
  });

  it('catalogueProblem takes status and title from the catalogue', () => {
    const p = catalogueProblem('container-full', 'Container C-1 holds 10 of 10 samples', {
      extensions: { capacity: 10 },
    });
    expect(p).toBeInstanceOf(HttpProblem);
    expect([p.status, p.slug, p.title, p.message, p.extensions]).toEqual([
      409,
      'container-full',
      'Container full',
      'Container C-1 holds 10 of 10 samples',
      { capacity: 10 },
    ]);
    expect(statusProblem(401, 'no key').title).toBe(findProblemType('unauthorized')!.title);
  });

  it('an unknown slug has no entry', () => {
    expect(findProblemType('no-such-problem')).toBeUndefined();
  });
});

describe('docs/api/problems.md', () => {
  it('lists every catalogued type with its status and title', () => {
    const doc = readFileSync(new URL('../../../docs/api/problems.md', import.meta.url), 'utf8');
    for (const e of PROBLEM_CATALOGUE) {
      expect(doc, e.slug).toContain(`| \`/problems/${e.slug}\` | ${e.status} | ${e.title} |`);
    }
    const documented = [...doc.matchAll(/^\| `\/problems\/([a-z-]+)` \|/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual(PROBLEM_CATALOGUE.map((e) => e.slug).sort());
  });
});
