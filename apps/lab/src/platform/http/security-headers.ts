// Security headers on every response (helmet), a Content-Security-Policy the coming web UI can live with,
// and no caching of anything the auth routes answer. CORS stays closed: no CORS plugin is registered, so
// a browser on another origin can neither read a response nor pass a preflight.
import helmet from '@fastify/helmet';
import type { FastifyInstance, FastifyRequest } from 'fastify';

/**
 * The web UI's policy: scripts, styles, images, fonts and API calls from this origin only; no inline
 * script, no inline style, no plugins, no framing, no <base> or form posts elsewhere.
 */
export const CSP_DIRECTIVES = {
  defaultSrc: ["'self'"],
  baseUri: ["'self'"],
  connectSrc: ["'self'"],
  fontSrc: ["'self'", 'data:'],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
  imgSrc: ["'self'", 'data:'],
  objectSrc: ["'none'"],
  scriptSrc: ["'self'"],
  scriptSrcAttr: ["'none'"],
  styleSrc: ["'self'"],
  // upgrade-insecure-requests would send /docs' own assets to https:// on a plain-HTTP port
  upgradeInsecureRequests: null,
};

/**
 * The Swagger UI (React) sets style attributes, so /docs alone also allows inline styles; its scripts
 * are files from this origin, so script-src stays 'self' there too.
 */
export const DOCS_CSP = [
  "default-src 'self'",
  "base-uri 'self'",
  "connect-src 'self'",
  "font-src 'self' data:",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "img-src 'self' data:",
  "object-src 'none'",
  "script-src 'self'",
  "script-src-attr 'none'",
  "style-src 'self' 'unsafe-inline'",
].join(';');

const AUTH_PREFIX = '/auth/';

const pathOf = (request: FastifyRequest) => request.url.split('?')[0] ?? '';

/**
 * Registers helmet and the hooks. Call before any route is registered: a root hook reaches only the
 * routes added after it (the not-found and error responses are covered too).
 */
export async function registerSecurityHeaders(
  app: FastifyInstance,
  options: { docsPrefix: string },
): Promise<void> {
  await app.register(helmet, {
    contentSecurityPolicy: { directives: CSP_DIRECTIVES },
    frameguard: { action: 'deny' },
  });
  const docs = options.docsPrefix;
  // onSend, so that nothing set earlier (a handler, the error handler) can undo it.
  app.addHook('onSend', async (request, reply, payload) => {
    const path = pathOf(request);
    // Tokens, MFA secrets and recovery codes must never sit in a browser or proxy cache.
    if (path.startsWith(AUTH_PREFIX)) reply.header('cache-control', 'no-store');
    if (path === docs || path.startsWith(`${docs}/`)) reply.header('content-security-policy', DOCS_CSP);
    return payload;
  });
}
