// Serves the built web UI (apps/lab-web/dist) at /: index.html for each of the app's own paths (so a
// reload or a bookmark works) and its hashed assets. The API keeps every path it had; any other path
// still gets the usual 404 problem, counted under the one `unmatched` metrics label.
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';

/** Where `npm run build -w @polymorph/lab-web` writes the UI. */
export const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../../../lab-web/dist/', import.meta.url));

/**
 * The areas the single-page app routes itself (apps/lab-web/src/App.tsx): each area's page and every
 * path under it, so a reload or a link to `/batches/B-1` opens that screen. Listed, not a catch-all, so
 * the public surface stays reviewable and an unknown path stays a 404; a new area adds its name here.
 */
export const UI_AREAS = [
  'samples',
  'projects',
  'batches',
  'containers',
  'inventory',
  'devices',
  'workflows',
  'runs',
  'compliance',
  'admin',
  'account',
] as const;
export const UI_PATHS = ['/', '/sign-in', ...UI_AREAS.flatMap((area) => [`/${area}`, `/${area}/*`])];
const HIDDEN = { hide: true };
const PUBLIC = { public: true };

function sendIndex(reply: FastifyReply) {
  // The page names the current assets, so it is revalidated on every load.
  reply.header('cache-control', 'no-cache');
  return reply.sendFile('index.html', { cacheControl: false });
}

/**
 * Registers the UI routes; when the UI is not built they answer 404 like any unknown path. The routes
 * are public: the page and its scripts hold no data, every API call they make is authenticated.
 */
export async function registerWebUi(app: FastifyInstance, webRoot: string = DEFAULT_WEB_ROOT): Promise<void> {
  await app.register(fastifyStatic, { root: webRoot, serve: false });
  for (const path of UI_PATHS)
    app.get(path, { config: PUBLIC, schema: HIDDEN }, (_request, reply) => sendIndex(reply));
  // Asset names carry a content hash: a changed file has a new name, so a year of caching is safe.
  app.get<{ Params: { '*': string } }>('/assets/*', { config: PUBLIC, schema: HIDDEN }, (request, reply) =>
    reply.sendFile(`assets/${request.params['*']}`, { maxAge: '365d', immutable: true }),
  );
}
