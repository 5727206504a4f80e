import type { ApiKeyRole } from '@payouts/db';
import { makeTestContext, type TestContext } from '@payouts/testing';
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from './support/api-harness.ts';

interface DocumentedOperation {
  parameters?: { in: string; name: string; required?: boolean; schema?: { pattern?: string } }[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: { properties?: object } }> };
  responses?: Record<string, unknown>;
  /** `[]` on a route that takes no API key (the webhook: its signature is the authentication). */
  security?: unknown[];
}

interface DocumentedResponse {
  content?: Record<string, { schema?: Record<string, unknown> }>;
}

interface Document {
  openapi: string;
  paths: Record<string, Record<string, DocumentedOperation>>;
  [field: string]: unknown;
}

const prefix = '/api/disbursement';

/** Each route's documented statuses: what it answers when it works, and every error it can give. */
const expectedStatuses: Record<string, number[]> = {
  'GET /affiliates/payable': [200, 400, 401, 403, 414, 429, 500],
  'GET /affiliates/{affiliateId}': [200, 400, 401, 403, 404, 414, 429, 500],
  'GET /affiliates/{affiliateId}/commissions': [200, 400, 401, 403, 404, 414, 429, 500],
  'POST /affiliates/{affiliateId}/payout': [201, 400, 401, 403, 404, 409, 413, 414, 415, 422, 429, 500],
  'GET /riseworks/accounts': [200, 400, 401, 403, 414, 429, 500],
  'POST /riseworks/accounts': [201, 400, 401, 403, 404, 409, 413, 414, 415, 429, 500],
  'POST /riseworks/sync': [202, 400, 401, 403, 409, 413, 414, 415, 422, 429, 500],
  'GET /batches': [200, 400, 401, 403, 414, 429, 500],
  'POST /batches': [201, 202, 400, 401, 403, 409, 413, 414, 415, 422, 429, 500],
  'POST /batches/preview': [200, 400, 401, 413, 414, 415, 429, 500],
  'GET /batches/{batchId}': [200, 400, 401, 403, 404, 414, 429, 500],
  'DELETE /batches/{batchId}': [200, 400, 401, 403, 404, 409, 413, 414, 415, 429, 500],
  'POST /batches/{batchId}/execute': [200, 202, 400, 401, 403, 404, 409, 413, 414, 415, 422, 429, 500],
  'GET /jobs/{jobId}': [200, 400, 401, 404, 414, 429, 500],
  'GET /dead-letters': [200, 400, 401, 403, 414, 429, 500],
  'POST /dead-letters/{transactionId}/replay': [200, 400, 401, 403, 404, 409, 413, 414, 415, 429, 500],
  'POST /dead-letters/{transactionId}/discard': [200, 400, 401, 403, 404, 409, 413, 414, 415, 429, 500],
  'GET /audit-logs': [200, 400, 401, 403, 414, 429, 500],
  'GET /schedules': [200, 400, 401, 403, 414, 429, 500],
  'PUT /schedules/nightly-payout': [200, 400, 401, 403, 413, 414, 415, 429, 500],
  'POST /schedules/nightly-payout/run': [202, 400, 401, 403, 409, 413, 414, 415, 422, 429, 500],
  'GET /provider-events': [200, 400, 401, 403, 414, 429, 500],
  'GET /provider-events/{id}': [200, 400, 401, 403, 404, 414, 429, 500],
  'POST /provider-events/{id}/replay': [202, 400, 401, 403, 404, 409, 413, 414, 415, 429, 500],
  'GET /reversals': [200, 400, 401, 403, 414, 429, 500],
  'GET /audit-logs.csv': [200, 400, 401, 403, 414, 429, 500],
  'GET /reports/batches/{batchId}': [200, 400, 401, 403, 404, 414, 429, 500],
  'GET /reports/batches/{batchId}/transactions.csv': [200, 400, 401, 403, 404, 414, 429, 500],
  'GET /reports/payouts': [200, 400, 401, 403, 414, 429, 500],
  'GET /reports/payouts.csv': [200, 400, 401, 403, 414, 429, 500],
  'GET /affiliates/{affiliateId}/payouts': [200, 400, 401, 403, 404, 414, 429, 500],
  // Outside the admin API: authenticated by its signature, 503 while no webhook secret is configured.
  'POST /api/webhooks/riseworks': [200, 400, 401, 413, 414, 415, 429, 500, 503],
};

/** The routes that honour Idempotency-Key (the POSTs that start work). */
const idempotentRoutes = [
  'POST /batches',
  'POST /batches/{batchId}/execute',
  'POST /affiliates/{affiliateId}/payout',
  'POST /riseworks/sync',
  'POST /schedules/nightly-payout/run',
];

describe('OpenAPI document at /docs', () => {
  let ctx: TestContext;
  let api: TestApi;
  let document: Document;

  beforeAll(async () => {
    ctx = await makeTestContext();
    api = await startTestApi(ctx);
    document = await getDocument();
  });
  afterAll(async () => {
    await api?.close();
    await ctx?.cleanup();
  });

  async function getDocument() {
    const response = await api.app.inject({
      url: '/docs/json',
      headers: { authorization: `Bearer ${api.keys.operator}` },
    });
    expect(response.statusCode).toBe(200);
    return response.json() as Document;
  }

  /**
   * Every operation as `METHOD /path` (without the API prefix; a webhook keeps its whole path), with what
   * the document says of it, and whether it takes an API key.
   */
  const operations = () =>
    Object.entries(document.paths).flatMap(([fullPath, item]) =>
      Object.entries(item).map(([method, operation]) => {
        const path = fullPath.startsWith(`${prefix}/`) ? fullPath.slice(prefix.length) : fullPath;
        return {
          name: `${method.toUpperCase()} ${path}`,
          method: method.toUpperCase() as 'GET' | 'POST' | 'PUT' | 'DELETE',
          path,
          operation,
          keyed: !(Array.isArray(operation.security) && operation.security.length === 0),
        };
      }),
    );
  /** The operations of the admin API, called with a role's key (`api.call`). */
  const keyedOperations = () => operations().filter(({ keyed }) => keyed);

  it('is a valid OpenAPI 3 document', async () => {
    expect(document.openapi).toMatch(/^3\./);
    const result = await new Validator().validate(document);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('lists every API route, with the bearer scheme and the error shape', async () => {
    expect(api.app.apiRoutes.length).toBeGreaterThan(3);
    for (const route of api.app.apiRoutes) {
      const path = route.url.replace(/:([A-Za-z]+)/g, '{$1}');
      const operation = document.paths[path]?.[route.method.toLowerCase()];
      expect(operation, `${route.method} ${path} is missing`).toBeDefined();
      expect(Object.keys(operation?.responses ?? {})).toEqual(expect.arrayContaining(['400', '401', '429', '500']));
    }
    const raw = JSON.stringify(document);
    expect(raw).toContain('"bearerAuth"');
    expect(raw).toContain('IDEMPOTENCY_KEY_REUSED');
  });

  it('gives every success answer a schema: no 2xx body is documented as any JSON', () => {
    const vague: string[] = [];
    let successes = 0;
    for (const { name, operation } of operations()) {
      for (const [status, response] of Object.entries(operation.responses ?? {})) {
        if (!status.startsWith('2')) continue;
        successes += 1;
        const content = (response as DocumentedResponse).content;
        // CSV downloads are text; everything else is JSON.
        const schema = (name.endsWith('.csv') ? content?.['text/csv'] : content?.['application/json'])?.schema ?? {};
        const described = ['type', 'properties', 'anyOf', 'oneOf'].some((keyword) => keyword in schema);
        if (!described) vague.push(`${name} ${status}`);
      }
    }
    expect(successes).toBeGreaterThanOrEqual(operations().length);
    expect(vague).toEqual([]);
  });

  it("documents each route's own error statuses, not one list for all", () => {
    const documented = Object.fromEntries(
      operations().map(({ name, operation }) => [name, Object.keys(operation.responses ?? {}).map(Number)]),
    );
    expect(documented).toEqual(expectedStatuses);
    for (const { name, method, operation } of operations()) {
      const statuses = Object.keys(operation.responses ?? {});
      // A body can be too large or of a media type the API does not read wherever a method carries one.
      expect(statuses.includes('413') && statuses.includes('415'), name).toBe(method !== 'GET');
      // 422 is Idempotency-Key reuse, or NO_PAYABLE_AFFILIATES (which only batch creation answers).
      expect(statuses.includes('422'), name).toBe(idempotentRoutes.includes(name));
    }
  });

  it('lists 403 exactly on the routes that refuse some role, and each role gets what its route says', async () => {
    for (const { name, method, path, operation } of keyedOperations()) {
      const refused: ApiKeyRole[] = [];
      // A request its route refuses as invalid (a route without input only reads): the role check comes first.
      const pathParameters = path.includes('{');
      const hasQuery = (operation.parameters ?? []).some((p) => p.in === 'query');
      const url = pathParameters
        ? path.replace(/\{[^}]+\}/g, 'not.an.id')
        : hasQuery
          ? `${path}?notAParameter=1`
          : path;
      const body = !pathParameters && operation.requestBody ? { notAField: 1 } : undefined;
      const invalid = pathParameters || hasQuery || body !== undefined;
      for (const role of ['admin', 'operator', 'scheduler'] as const) {
        const answer = await api.call(method, url, role, body);
        if (answer.status === 403) refused.push(role);
        else expect(answer.status, `${name} as ${role}`).toBe(invalid ? 400 : 200);
      }
      const listed = Object.keys(operation.responses ?? {}).includes('403');
      expect(listed, `${name} refuses ${refused.join(', ') || 'no role'}`).toBe(refused.length > 0);
    }
  });

  it('documents Idempotency-Key as an optional header on exactly the routes that honour it', async () => {
    const withHeader = operations().filter(({ operation }) =>
      (operation.parameters ?? []).some((p) => p.in === 'header' && p.name.toLowerCase() === 'idempotency-key'),
    );
    expect(withHeader.map(({ name }) => name).sort()).toEqual([...idempotentRoutes].sort());
    for (const { operation } of withHeader) {
      const header = operation.parameters?.find((p) => p.name.toLowerCase() === 'idempotency-key');
      expect(header?.required).toBe(false);
      expect(header?.schema?.pattern).toBe('^[\\x21-\\x7e]{1,200}$');
    }
    // The header schema refuses a malformed key and lets requests without one through.
    const send = (headers: Record<string, string>) =>
      api.app.inject({
        method: 'POST',
        url: `${prefix}/riseworks/sync`,
        headers: { authorization: `Bearer ${api.keys.admin}`, ...headers },
      });
    expect((await send({})).statusCode).toBe(202);
    expect((await send({ 'idempotency-key': 'sync-1' })).statusCode).toBe(202);
    const malformed = await send({ 'idempotency-key': 'has space' });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().error.code).toBe('VALIDATION_FAILED');
  });

  it('marks a body optional exactly when the route answers a request without one', async () => {
    const withBody = keyedOperations().filter(({ operation }) => operation.requestBody);
    expect(withBody.length).toBeGreaterThan(5);
    const optional: string[] = [];
    for (const { name, method, path, operation } of withBody) {
      const answer = await api.call(method, path.replace(/\{[^}]+\}/g, 'no-such-id'), 'admin');
      const accepted = answer.status !== 400;
      expect(operation.requestBody?.required, `${name} answered ${answer.status} without a body`).toBe(!accepted);
      if (!operation.requestBody?.required) optional.push(name);
    }
    expect(optional).toEqual(
      expect.arrayContaining([
        'POST /batches',
        'POST /batches/preview',
        'POST /riseworks/sync',
        'POST /schedules/nightly-payout/run',
      ]),
    );
  });

  it('documents the webhook as signed, not keyed: no API key, both signature headers, the event as its body', () => {
    expect(
      operations()
        .filter(({ keyed }) => !keyed)
        .map(({ name }) => name),
    ).toEqual(['POST /api/webhooks/riseworks']);
    const webhook = document.paths['/api/webhooks/riseworks']?.post;
    const headers = (webhook?.parameters ?? []).filter((p) => p.in === 'header');
    expect(headers.map(({ name, required }) => ({ name, required: required ?? false }))).toEqual([
      { name: 'x-rise-signature', required: false },
      { name: 'rise-signature', required: false },
    ]);
    expect(webhook?.requestBody?.required).toBe(true);
    const envelope = webhook?.requestBody?.content?.['application/json']?.schema?.properties ?? {};
    expect(Object.keys(envelope)).toEqual(expect.arrayContaining(['event_type', 'idempotency_key', 'created']));
  });

  it('asks for a key: 401 with a Basic challenge without one; the key as Basic password opens the UI', async () => {
    const denied = await api.app.inject({ url: '/docs' });
    expect(denied.statusCode).toBe(401);
    expect(denied.headers['www-authenticate']).toMatch(/^Basic/);
    const basic = Buffer.from(`anyone:${api.keys.operator}`).toString('base64');
    const ui = await api.app.inject({ url: '/docs/', headers: { authorization: `Basic ${basic}` } });
    expect(ui.statusCode).toBe(200);
    expect(ui.body).toContain('swagger');
  });
});
