import http from 'node:http';
import { makeTestContext, type TestContext } from '@payouts/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiPrefix } from '../src/app.ts';
import { rowCounts, startTestApi, type TestApi } from './support/api-harness.ts';

interface RawAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A request over a real socket: Node's own parser sees it, as it would from any client. */
function rawRequest(
  baseUrl: string,
  options: { method?: string; path: string; headers?: Record<string, string> },
): Promise<RawAnswer> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const request = http.request(
      { host: hostname, port, method: options.method ?? 'GET', path: options.path, headers: options.headers },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk) => {
          body += chunk;
        });
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
      },
    );
    request.on('error', reject);
    request.end();
  });
}

const expectErrorShape = (body: string, code: string) => {
  const parsed = JSON.parse(body);
  expect(parsed).toEqual({ error: { code, message: expect.any(String) } });
};

/** The sources of one CSP directive, or undefined when the policy lacks it. */
const directive = (policy: string, name: string) =>
  policy
    .split(';')
    .map((part) => part.trim())
    .find((part) => part.startsWith(`${name} `))
    ?.slice(name.length + 1);

const expectHardenedHeaders = (headers: Record<string, unknown>, label: string) => {
  const csp = String(headers['content-security-policy'] ?? '');
  expect(directive(csp, 'frame-ancestors'), label).toBe("'none'");
  expect(directive(csp, 'default-src'), label).toMatch(/^'(none|self)'$/);
  expect(csp, label).not.toMatch(/unsafe-eval/);
  expect(headers['x-content-type-options'], label).toBe('nosniff');
  expect(headers['referrer-policy'], label).toBe('no-referrer');
  expect(headers['x-frame-options'], label).toBe('DENY');
  expect(headers['access-control-allow-origin'], label).toBeUndefined();
};

describe('HTTP hardening', () => {
  let ctx: TestContext;
  let api: TestApi;
  let baseUrl: string;

  beforeAll(async () => {
    ctx = await makeTestContext();
    api = await startTestApi(ctx);
    baseUrl = await api.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await api?.close();
    await ctx?.cleanup();
  });

  const adminHeaders = () => ({ authorization: `Bearer ${api.keys.admin}` });

  it('answers a known path asked with the wrong method 405 with Allow, and an unknown path 404', async () => {
    const cases: [string, string, string[]][] = [
      ['PATCH', '/batches', ['GET', 'HEAD', 'POST']],
      // /batches/preview is also /batches/:batchId for GET and DELETE
      ['PUT', '/batches/preview', ['DELETE', 'GET', 'HEAD', 'POST']],
      ['DELETE', '/batches/batch-1/execute', ['POST']],
      ['PUT', '/batches/batch-1', ['DELETE', 'GET', 'HEAD']],
      ['GET', '/schedules/nightly-payout', ['PUT']],
      ['OPTIONS', '/batches', ['GET', 'HEAD', 'POST']],
    ];
    for (const [method, path, allowed] of cases) {
      const answer = await api.app.inject({
        method: method as 'GET',
        url: `${apiPrefix}${path}`,
        headers: adminHeaders(),
      });
      expect(answer.statusCode, `${method} ${path}`).toBe(405);
      expect(answer.headers.allow, `${method} ${path}`).toBe(allowed.join(', '));
      expectErrorShape(answer.body, 'METHOD_NOT_ALLOWED');
    }
    const docs = await api.app.inject({ method: 'POST', url: '/docs', headers: adminHeaders() });
    expect(docs.statusCode).toBe(405);
    expect(docs.headers.allow).toBe('GET, HEAD');
    const unknown = await api.app.inject({
      method: 'PATCH',
      url: `${apiPrefix}/nothing-here`,
      headers: adminHeaders(),
    });
    expect(unknown.statusCode).toBe(404);
    expectErrorShape(unknown.body, 'NOT_FOUND');
  });

  it('refuses a 2 MiB body with 413 in the error shape, changing nothing', async () => {
    const before = await rowCounts(ctx.db);
    const answer = await api.app.inject({
      method: 'POST',
      url: `${apiPrefix}/batches`,
      headers: { ...adminHeaders(), 'content-type': 'application/json' },
      payload: JSON.stringify({ affiliateIds: ['x'.repeat(2 * 1024 * 1024)] }),
    });
    expect(answer.statusCode).toBe(413);
    expectErrorShape(answer.body, 'PAYLOAD_TOO_LARGE');
    expectHardenedHeaders(answer.headers, '413');
    expect(await rowCounts(ctx.db)).toEqual(before);
  });

  it('answers 414 in the error shape for a long URL, one past the parser limit, and a long path parameter', async () => {
    const tooLong: [string, string][] = [
      ['a 10 KiB query', `${apiPrefix}/batches?status=${'x'.repeat(10 * 1024)}`],
      ['a 20 KiB query (past the parser limit)', `${apiPrefix}/batches?status=${'x'.repeat(20 * 1024)}`],
      ['a 101-character id', `${apiPrefix}/batches/${'b'.repeat(101)}`],
    ];
    for (const [label, path] of tooLong) {
      const answer = await rawRequest(baseUrl, { path, headers: adminHeaders() });
      expect(answer.status, label).toBe(414);
      expect(answer.headers['content-type'], label).toMatch(/^application\/json/);
      expectErrorShape(answer.body, 'URI_TOO_LONG');
      expectHardenedHeaders(answer.headers, label);
    }
    const longestId = await rawRequest(baseUrl, {
      path: `${apiPrefix}/batches/${'b'.repeat(100)}`,
      headers: adminHeaders(),
    });
    expect(longestId.status).toBe(404);
  });

  it('answers 431 in the error shape for headers larger than the parser takes', async () => {
    const answer = await rawRequest(baseUrl, {
      path: `${apiPrefix}/batches`,
      headers: { ...adminHeaders(), 'x-filler': 'y'.repeat(20 * 1024) },
    });
    expect(answer.status).toBe(431);
    expect(answer.headers['content-type']).toMatch(/^application\/json/);
    expectErrorShape(answer.body, 'HEADERS_TOO_LARGE');
    expectHardenedHeaders(answer.headers, '431');
  });

  it('sends the hardened headers on API answers, refusals, /docs and /admin/queues', async () => {
    const answers = {
      'an API route': await rawRequest(baseUrl, { path: `${apiPrefix}/batches`, headers: adminHeaders() }),
      'a 401': await rawRequest(baseUrl, { path: `${apiPrefix}/batches` }),
      'a 404': await rawRequest(baseUrl, { path: '/nothing', headers: adminHeaders() }),
      '/docs': await rawRequest(baseUrl, { path: '/docs', headers: adminHeaders() }),
      '/admin/queues': await rawRequest(baseUrl, { path: '/admin/queues', headers: adminHeaders() }),
    };
    expect(answers['an API route'].status).toBe(200);
    expect(answers['a 401'].status).toBe(401);
    expect(answers['/docs'].status).toBe(200);
    expect(answers['/admin/queues'].status).toBe(200);
    for (const [label, answer] of Object.entries(answers)) expectHardenedHeaders(answer.headers, label);
    // JSON may load nothing; the UIs their own scripts only.
    expect(directive(String(answers['an API route'].headers['content-security-policy']), 'default-src')).toBe("'none'");
    for (const ui of ['/docs', '/admin/queues'] as const) {
      const csp = String(answers[ui].headers['content-security-policy']);
      expect(directive(csp, 'script-src'), ui).toBe("'self'");
      expect(directive(csp, 'object-src'), ui).toBe("'none'");
    }
  });

  it('sends no CORS headers by default, and refuses a preflight like any OPTIONS', async () => {
    const origin = 'https://ops.example.com';
    const get = await rawRequest(baseUrl, { path: `${apiPrefix}/batches`, headers: { ...adminHeaders(), origin } });
    expect(get.status).toBe(200);
    expect(get.headers['access-control-allow-origin']).toBeUndefined();
    const preflight = await rawRequest(baseUrl, {
      method: 'OPTIONS',
      path: `${apiPrefix}/batches`,
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' },
    });
    expect(preflight.status).toBe(405);
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    expect(preflight.headers['access-control-allow-methods']).toBeUndefined();
  });
});

describe('CORS with CORS_ORIGINS', () => {
  let ctx: TestContext;
  let api: TestApi;
  const allowed = 'https://ops.example.com';

  beforeAll(async () => {
    ctx = await makeTestContext();
    api = await startTestApi(ctx, { CORS_ORIGINS: `${allowed}, https://other.example.com` });
  });
  afterAll(async () => {
    await api?.close();
    await ctx?.cleanup();
  });

  const preflight = (origin: string) =>
    api.app.inject({
      method: 'OPTIONS',
      url: `${apiPrefix}/batches`,
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' },
    });

  it('answers a preflight from a listed origin, and gives that origin the API', async () => {
    const answer = await preflight(allowed);
    expect(answer.statusCode).toBe(204);
    expect(answer.headers['access-control-allow-origin']).toBe(allowed);
    expect(String(answer.headers['access-control-allow-headers'])).toMatch(/Authorization/);
    expect(String(answer.headers['access-control-allow-methods'])).toMatch(/POST/);
    const get = await api.app.inject({
      url: `${apiPrefix}/batches`,
      headers: { authorization: `Bearer ${api.keys.admin}`, origin: allowed },
    });
    expect(get.statusCode).toBe(200);
    expect(get.headers['access-control-allow-origin']).toBe(allowed);
  });

  it('gives any other origin no CORS headers', async () => {
    for (const origin of ['https://evil.example.com', 'https://ops.example.com.evil.test', 'null']) {
      const answer = await preflight(origin);
      expect(answer.statusCode, origin).toBe(405);
      expect(answer.headers['access-control-allow-origin'], origin).toBeUndefined();
      const get = await api.app.inject({
        url: `${apiPrefix}/batches`,
        headers: { authorization: `Bearer ${api.keys.admin}`, origin },
      });
      expect(get.statusCode, origin).toBe(200);
      expect(get.headers['access-control-allow-origin'], origin).toBeUndefined();
    }
  });
});
