// The problem types as pages, so that each `type` (`/problems/<slug>`) dereferences: HTML for people,
// the catalogue entry as JSON for clients that ask for it.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { PROBLEM_CATALOGUE, type ProblemTypeEntry } from './catalogue.ts';
import { catalogueProblem, problemType } from './problem.ts';
import { problemResponses, registerProblemSchema } from './schema.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Reachable without credentials (the lab's route guard reads it). */
    public?: boolean;
  }
}

export const ProblemTypeSchema = Type.Object(
  {
    slug: Type.String({ examples: ['validation-error'] }),
    type: Type.String({ format: 'uri-reference', examples: ['/problems/validation-error'] }),
    status: Type.Integer({ minimum: 400, maximum: 599 }),
    title: Type.String(),
    description: Type.String({ description: 'When it happens and what the client should do' }),
  },
  { $id: 'ProblemType', title: 'ProblemType', additionalProperties: false },
);

const ProblemTypeList = Type.Object(
  { items: Type.Array(Type.Ref('ProblemType')) },
  { additionalProperties: false },
);

export interface ProblemPagesOptions {
  /** The types this service serves pages for; default the whole catalogue. */
  entries?: readonly ProblemTypeEntry[];
}

const view = (e: ProblemTypeEntry) => ({
  slug: e.slug,
  type: problemType(e.slug),
  status: e.status,
  title: e.title,
  description: e.description,
});

// --- content negotiation -----------------------------------------------------------------------

const JSON_TYPES = ['application/json', 'application/problem+json'];

/** q and specificity (2 exact, 1 `type/*`, 0 `*\/*`) of the most specific Accept range matching one of `types`. */
function match(ranges: { range: string; q: number }[], types: string[]) {
  let best = { q: 0, specificity: -1 };
  for (const { range, q } of ranges) {
    for (const t of types) {
      const specificity = range === t ? 2 : range === `${t.split('/')[0]}/*` ? 1 : range === '*/*' ? 0 : -1;
      if (specificity > best.specificity) best = { q, specificity };
    }
  }
  return best;
}

/** JSON only when the client prefers it; browsers, curl and `*\/*` get HTML. */
export function prefersJson(accept: string | undefined): boolean {
  if (!accept) return false;
  const ranges = accept.split(',').map((part) => {
    const [range = '', ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    const q = Number(params.find((p) => p.startsWith('q='))?.slice(2) ?? 1);
    return { range, q: Number.isFinite(q) ? q : 0 };
  });
  const json = match(ranges, JSON_TYPES);
  const html = match(ranges, ['text/html']);
  return json.q > html.q || (json.q === html.q && json.q > 0 && json.specificity > html.specificity);
}

// --- HTML --------------------------------------------------------------------------------------

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
/** Escaped text with the catalogue's `code` spans as <code>. */
const prose = (s: string) => escapeHtml(s).replace(/`([^`]+)`/g, '<code>$1</code>');

const page = (title: string, body: string) => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#222}code{background:#f2f2f2;padding:0 .2em}td,th{text-align:left;padding:.2rem .6rem .2rem 0;vertical-align:top}.meta{color:#555}</style>
</head>
<body>
${body}
</body>
</html>
`;

const entryPage = (e: ProblemTypeEntry) =>
  page(
    `${e.title} (problem type)`,
    `<p><a href="/problems">All problem types</a></p>
<h1>${escapeHtml(e.title)}</h1>
<p class="meta">HTTP ${e.status} · type <code>${escapeHtml(problemType(e.slug))}</code></p>
<p>${prose(e.description)}</p>
<p class="meta">Errors are RFC 9457 <code>application/problem+json</code> bodies with <code>type</code>, <code>title</code>, <code>status</code>, <code>detail</code> and <code>instance</code>; branch on <code>type</code>, not on <code>detail</code>.</p>`,
  );

const indexPage = (entries: readonly ProblemTypeEntry[]) =>
  page(
    'Problem types',
    `<h1>Problem types</h1>
<p class="meta">Every error is an RFC 9457 <code>application/problem+json</code> body whose <code>type</code> is one of these.</p>
<table>
<tr><th>status</th><th>type</th><th>title</th></tr>
${entries
  .map(
    (e) =>
      `<tr><td>${e.status}</td><td><a href="${escapeHtml(problemType(e.slug))}"><code>${escapeHtml(e.slug)}</code></a></td><td>${escapeHtml(e.title)}</td></tr>`,
  )
  .join('\n')}
</table>`,
  );

function answer(request: FastifyRequest, reply: FastifyReply, json: unknown, html: () => string) {
  reply.header('vary', 'accept').header('cache-control', 'public, max-age=3600');
  if (prefersJson(request.headers.accept)) return reply.type('application/json; charset=utf-8').send(json);
  return reply.type('text/html; charset=utf-8').send(html());
}

const negotiated = (description: string, schema: unknown) => ({
  description,
  content: {
    'text/html': { schema: { type: 'string' } },
    'application/json': { schema },
  },
});

/**
 * GET /problems and GET /problems/:slug, public. Register it on the root instance, after
 * registerProblemHandlers: `await app.register(problemPagesPlugin)`.
 */
export async function problemPagesPlugin(app: FastifyInstance, options: ProblemPagesOptions = {}) {
  const entries = [...(options.entries ?? PROBLEM_CATALOGUE)].sort(
    (a, b) => a.status - b.status || a.slug.localeCompare(b.slug),
  );
  const bySlug = new Map(entries.map((e) => [e.slug, e]));
  registerProblemSchema(app);
  if (!app.getSchema('ProblemType')) app.addSchema(ProblemTypeSchema);
  const common = { tags: ['problems'], security: [] };

  app.get(
    '/problems',
    {
      config: { public: true },
      schema: {
        ...common,
        operationId: 'listProblemTypes',
        summary: 'The problem types this service answers with',
        description:
          'An HTML page for people; `Accept: application/json` gets the list as JSON. Each error response’s `type` is one of these.',
        response: { 200: negotiated('The problem types', ProblemTypeList) },
      },
    },
    async (request, reply) => answer(request, reply, { items: entries.map(view) }, () => indexPage(entries)),
  );

  app.get<{ Params: { slug: string } }>(
    '/problems/:slug',
    {
      config: { public: true },
      schema: {
        ...common,
        operationId: 'getProblemType',
        summary: 'What a problem type means and what to do about it',
        description:
          'The page a problem’s `type` (`/problems/<slug>`) resolves to. HTML for people; `Accept: application/json` (or application/problem+json) gets the catalogue entry as JSON.',
        params: Type.Object({ slug: Type.String({ maxLength: 100, examples: ['validation-error'] }) }),
        response: {
          200: negotiated('The problem type', Type.Ref('ProblemType')),
          ...problemResponses(400, { 404: 'No problem type with that slug' }),
        },
      },
    },
    async (request, reply) => {
      const entry = bySlug.get(request.params.slug);
      if (!entry) throw catalogueProblem('not-found', `No problem type "${request.params.slug}"`);
      return answer(request, reply, view(entry), () => entryPage(entry));
    },
  );
}
