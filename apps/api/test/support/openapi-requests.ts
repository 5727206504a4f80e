import fc from 'fast-check';
import {
  brokenObject,
  type JsonSchema,
  junkJson,
  junkString,
  type ValueOptions,
  validValue,
} from './json-schema-arbitraries.ts';

export interface Parameter {
  in: 'path' | 'query' | 'header' | 'cookie';
  name: string;
  required?: boolean;
  schema?: JsonSchema;
}

export interface Operation {
  method: string;
  /** As the document writes it: /api/disbursement/batches/{batchId} */
  path: string;
  parameters: Parameter[];
  /** The JSON body's schema and whether the document says it is required; undefined: no body. */
  body?: { schema: JsonSchema; required: boolean };
  /** Documented statuses, and the error codes documented for each. */
  statuses: Map<number, string[] | undefined>;
  /**
   * No API key (`security: []`): a webhook, authenticated by a signature over its body in one of its
   * documented headers. Its requests carry a `signature` instead of relying on the caller's key.
   */
  signed: boolean;
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, RawOperation>>;
}

interface RawOperation {
  parameters?: Parameter[];
  security?: unknown[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: JsonSchema }> };
  responses?: Record<string, { content?: Record<string, { schema?: ErrorBodySchema }> }>;
}

interface ErrorBodySchema {
  properties?: { error?: { properties?: { code?: { enum?: string[] } } } };
}

export function operationsOf(document: OpenApiDocument): Operation[] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, raw]) => {
      const bodySchema = raw.requestBody?.content?.['application/json']?.schema;
      const statuses = new Map(
        Object.entries(raw.responses ?? {}).map(([status, response]) => [
          Number(status),
          response.content?.['application/json']?.schema?.properties?.error?.properties?.code?.enum,
        ]),
      );
      return {
        method: method.toUpperCase(),
        path,
        parameters: raw.parameters ?? [],
        body: bodySchema ? { schema: bodySchema, required: raw.requestBody?.required ?? false } : undefined,
        statuses,
        signed: Array.isArray(raw.security) && raw.security.length === 0,
      };
    }),
  );
}

/** Who calls: a role's key, another good way to give the admin key, or no valid key at all. */
export type Caller = 'admin' | 'operator' | 'scheduler' | 'admin-basic' | 'none' | 'unknown-key' | 'malformed';
export const unauthenticated: readonly Caller[] = ['none', 'unknown-key', 'malformed'];

export type FuzzBody =
  | { kind: 'none' }
  | { kind: 'json'; value: unknown }
  | { kind: 'text'; text: string; contentType: string }
  /** A JSON body over the 1 MiB limit, made when sent (so that a report does not print it). */
  | { kind: 'oversized' };

/**
 * How a request to a signed operation is signed when sent (the body is only final then): in `header`,
 * at now + `ageSeconds` (now - 601 is stale), over the body as sent or, `tampered`, over other bytes.
 */
export interface Signing {
  header: string;
  ageSeconds: number;
  tampered: boolean;
}

/** The webhook's tolerance (RISE_WEBHOOK_TOLERANCE_S by default); the fuzz stays well inside or outside it. */
export const signatureToleranceSeconds = 600;

/** Whether the API must take the signature as valid: the right bytes, a timestamp within the tolerance. */
export const signsValidly = (signing: Signing | undefined) =>
  signing !== undefined && !signing.tampered && Math.abs(signing.ageSeconds) <= signatureToleranceSeconds;

export interface FuzzRequest {
  caller: Caller;
  /** Signed operations only; none: the request carries whatever its signature headers were fuzzed to. */
  signature?: Signing;
  /** Path parameter values, already percent-encoded (some deliberately badly). */
  path: Record<string, string>;
  query: [string, string][];
  headers: Record<string, string>;
  body: FuzzBody;
}

const caller: fc.Arbitrary<Caller> = fc.oneof(
  { weight: 4, arbitrary: fc.constant('admin' as const) },
  { weight: 2, arbitrary: fc.constant('operator' as const) },
  { weight: 2, arbitrary: fc.constant('scheduler' as const) },
  { weight: 1, arbitrary: fc.constant('admin-basic' as const) },
  { weight: 1, arbitrary: fc.constantFrom<Caller>(...unauthenticated) },
);

/** Raw path segments whose percent-encoding is broken. */
export const badlyEncodedSegments = ['%zz', '%E0%A4%A', '%C0%AF', '%FF', '%'];

function pathValue(parameter: Parameter, options: ValueOptions): fc.Arbitrary<string> {
  const usable = (text: string) => text !== '' && text !== '.' && text !== '..';
  const valid = validValue(parameter.schema ?? {}, options, parameter.name)
    .map(String)
    .filter(usable);
  return fc.oneof(
    { weight: 6, arbitrary: valid.map(encodeURIComponent) },
    { weight: 2, arbitrary: junkString.filter(usable).map(encodeURIComponent) },
    { weight: 1, arbitrary: fc.constantFrom(...badlyEncodedSegments) },
  );
}

function queryValue(parameter: Parameter, options: RequestOptions): fc.Arbitrary<string[]> {
  const one = fc.oneof(
    { weight: 4, arbitrary: validValue(parameter.schema ?? {}, options, parameter.name).map(String) },
    { weight: 1, arbitrary: junkString.map((junk) => options.junkFor?.(parameter.name, junk) ?? junk) },
  );
  return fc.oneof({ weight: 7, arbitrary: one.map((value) => [value]) }, { weight: 1, arbitrary: fc.tuple(one, one) });
}

/** Header values fetch can send (tab, space, visible ASCII, 0x80-0xff); fetch drops leading and trailing blanks. */
const headerChar = fc
  .oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0x80, max: 0xff }))
  .map((code) => String.fromCharCode(code));
const sendableHeader = fc.oneof(
  fc.constantFrom('', 'x'.repeat(201), 'ä', 'has space', '\u00ff\u00fe', '"quoted"'),
  fc.string({ unit: headerChar, maxLength: 40 }),
);

function headerValue(parameter: Parameter, options: ValueOptions): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: validValue(parameter.schema ?? {}, options, parameter.name).map(String) },
    { weight: 1, arbitrary: sendableHeader },
  );
}

/** Bodies with numbers JSON.stringify cannot write, and texts that are not the JSON they claim. */
function rawBodies(schema: JsonSchema | undefined): FuzzBody[] {
  const field = Object.keys(schema?.properties ?? {})[0] ?? 'field';
  const json = (text: string) => ({ kind: 'text' as const, text, contentType: 'application/json' });
  return [
    json(''),
    json('{"'),
    json('null'),
    json('[]'),
    json(`{"${field}": 1e309}`),
    json(`{"${field}": -123456789012345678901234567890}`),
    json(`{"${field}": "\\u0000"}`),
    json('{"__proto__": {"polluted": true}}'),
    { kind: 'text', text: 'plain words', contentType: 'text/plain' },
    { kind: 'text', text: '<xml/>', contentType: 'application/xml' },
    { kind: 'text', text: `${field}=1`, contentType: 'application/x-www-form-urlencoded' },
  ];
}

function bodyOf(operation: Operation, options: ValueOptions): fc.Arbitrary<FuzzBody> {
  if (operation.method === 'GET') return fc.constant({ kind: 'none' });
  const none = fc.constant<FuzzBody>({ kind: 'none' });
  const oversized = fc.constant<FuzzBody>({ kind: 'oversized' });
  const json = (value: fc.Arbitrary<unknown>) => value.map((v): FuzzBody => ({ kind: 'json', value: v }));
  const schema = operation.body?.schema;
  if (!schema) {
    return fc.oneof(
      { weight: 8, arbitrary: none },
      { weight: 1, arbitrary: json(junkJson) },
      { weight: 1, arbitrary: oversized },
    );
  }
  return fc.oneof(
    { weight: 6, arbitrary: json(validValue(schema, options)) },
    { weight: 3, arbitrary: json(brokenObject(schema, options)) },
    { weight: 1, arbitrary: json(junkJson) },
    { weight: 1, arbitrary: none },
    { weight: 1, arbitrary: fc.constantFrom(...rawBodies(schema)) },
    { weight: 1, arbitrary: oversized },
  );
}

/** Mostly a good signature (so that bodies reach the handler), else stale, ahead, or over other bytes. */
function signingOf(operation: Operation): fc.Arbitrary<Signing | undefined> {
  const headers = operation.parameters.filter((p) => p.in === 'header').map((p) => p.name);
  if (!operation.signed || headers.length === 0) return fc.constant(undefined);
  const header = fc.constantFrom(...headers);
  const within = fc.integer({ min: -signatureToleranceSeconds + 30, max: signatureToleranceSeconds - 30 });
  const outside = fc
    .integer({ min: signatureToleranceSeconds + 1, max: 10_000_000 })
    .chain((age) => fc.constantFrom(age, -age));
  const good = fc.record({ header, ageSeconds: fc.oneof(fc.constant(0), within), tampered: fc.constant(false) });
  const bad = fc.oneof(
    fc.record({ header, ageSeconds: outside, tampered: fc.constant(false) }),
    fc.record({ header, ageSeconds: within, tampered: fc.constant(true) }),
  );
  return fc.oneof(
    { weight: 6, arbitrary: good },
    { weight: 2, arbitrary: bad },
    { weight: 2, arbitrary: fc.constant(undefined) },
  );
}

export interface RequestOptions extends ValueOptions {
  /** Replaces a junk query value that must not be sent for this parameter (e.g. a long ?wait=). */
  junkFor?: (name: string, junk: string) => string;
}

/** Requests for one operation: valid ones, and ones with junk in any parameter, header or body. */
export function requestsFor(operation: Operation, options: RequestOptions): fc.Arbitrary<FuzzRequest> {
  const byPlace = (place: Parameter['in']) => operation.parameters.filter((p) => p.in === place);
  const path = fc.record(Object.fromEntries(byPlace('path').map((p) => [p.name, pathValue(p, options)])));
  const documented = byPlace('query').map((p) =>
    fc.option(
      queryValue(p, options).map((values) => values.map((value): [string, string] => [p.name, value])),
      { nil: undefined, freq: 2 },
    ),
  );
  const unknownParameter = fc.oneof(
    { weight: 5, arbitrary: fc.constant([]) },
    {
      weight: 1,
      arbitrary: fc.tuple(fc.constantFrom('unknown', 'limit[]', '__proto__', ''), junkString).map((entry) => [entry]),
    },
  );
  const query = fc
    .tuple(fc.tuple(...documented), unknownParameter)
    .map(([known, extra]) => [...known.flatMap((pairs) => pairs ?? []), ...extra]);
  const headers = fc.record(Object.fromEntries(byPlace('header').map((p) => [p.name, headerValue(p, options)])), {
    requiredKeys: [],
  });
  const signature = signingOf(operation);
  return fc.record({
    caller,
    path,
    query,
    headers,
    body: bodyOf(operation, options),
    signature,
  }) as fc.Arbitrary<FuzzRequest>;
}
