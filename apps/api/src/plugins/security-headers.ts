import fastifyCors from '@fastify/cors';
import fastifyHelmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../api-deps.ts';
import { bullBoardPath } from './bull-board.ts';

type Directives = Record<string, string[]>;

/** JSON answers: nothing may load, nothing may frame them. */
export const apiPolicy: Directives = {
  'default-src': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'none'"],
  'frame-ancestors': ["'none'"],
};

/**
 * The Swagger UI at /docs (swagger-ui 5 in @fastify/swagger-ui 6.1.3): its own scripts and styles, images
 * inline (its CSS icons are data: URLs), and the one <style> inside its logo's SVG, allowed by hash.
 */
export const docsPolicy: Directives = {
  'default-src': ["'self'"],
  'base-uri': ["'self'"],
  'connect-src': ["'self'"],
  'font-src': ["'self'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
  'img-src': ["'self'", 'data:'],
  'object-src': ["'none'"],
  'script-src': ["'self'"],
  'script-src-attr': ["'none'"],
  'style-src': ["'self'", "'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='"],
};

/**
 * Bull Board (9.10.1) needs: the IBM Plex fonts from Google Fonts; three inline <style> elements, allowed
 * by hash (its loading animation, the Redis icon's SVG, base-ui's scrollbar hiding); and inline style
 * attributes on its loading placeholder. Its inline <script> is a JSON data block, which CSP does not govern.
 * The browser test fails on any violation, so an upgrade that changes these shows there.
 */
export const bullBoardPolicy: Directives = {
  ...docsPolicy,
  'font-src': ["'self'", 'https://fonts.gstatic.com'],
  'style-src': [
    "'self'",
    'https://fonts.googleapis.com',
    "'sha256-dv714QSXJBurriRZTklJT4phtgwCe+o7Frxoi2awcdg='",
    "'sha256-r2N1TB/gHbBtBZFKg7ejmq1acVSREzucTAEw6ga4hoU='",
    "'sha256-kLmvWqfziFavKtqHqRsb90f006UAK2Dmd0It5Iz2KFA='",
  ],
  'style-src-attr': ["'unsafe-inline'"],
};

export const docsPath = '/docs';

export function policyText(directives: Directives): string {
  return Object.entries(directives)
    .map(([name, values]) => `${name} ${values.join(' ')}`)
    .join('; ');
}

/** For answers written before routing (framework and parser errors), where no hook runs. */
export const baselineSecurityHeaders = {
  'content-security-policy': policyText(apiPolicy),
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
} as const;

const helmetWith = (directives: Directives) => ({
  contentSecurityPolicy: { useDefaults: false, directives },
});

function underPath(url: string, prefix: string): boolean {
  return url === prefix || url.startsWith(`${prefix}/`);
}

/**
 * Helmet on every answer (strict CSP for the API, one fitted to each UI), and CORS only for the origins in
 * CORS_ORIGINS: without any, no answer carries CORS headers and a preflight gets 405 like any OPTIONS.
 * Register before anything that may answer in onRequest (rate limit, auth), so that those answers have
 * the headers too.
 */
export async function securityHeaders(app: FastifyInstance, deps: ApiDeps) {
  // Before helmet registers its own onRoute hook, which reads the `helmet` route option set here.
  app.addHook('onRoute', (route) => {
    if (route.helmet !== undefined) return;
    if (underPath(route.url, bullBoardPath)) route.helmet = helmetWith(bullBoardPolicy);
    else if (underPath(route.url, docsPath)) route.helmet = helmetWith(docsPolicy);
  });
  await app.register(fastifyHelmet, {
    ...helmetWith(apiPolicy),
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
  });

  const allowed = new Set(deps.env.CORS_ORIGINS);
  if (allowed.size === 0) return;
  await app.register(fastifyCors, {
    // `false` turns CORS off for that request: no CORS headers, and a preflight falls through to 405/404.
    origin: (origin, callback) => callback(null, origin !== undefined && allowed.has(origin) ? origin : false),
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE'],
    allowedHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key'],
    exposedHeaders: [
      'Idempotent-Replayed',
      'Retry-After',
      'X-RateLimit-Limit',
      'X-RateLimit-Remaining',
      'X-RateLimit-Reset',
    ],
    maxAge: 600,
  });
}
