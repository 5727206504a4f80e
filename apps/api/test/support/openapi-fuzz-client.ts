import type { ApiKeyRole } from '@payouts/db';
import { maxParamLength, maxUrlLength } from '../../src/plugins/early-errors.ts';
import {
  badlyEncodedSegments,
  type Caller,
  type FuzzRequest,
  type Operation,
  signsValidly,
  unauthenticated,
} from './openapi-requests.ts';

export interface FuzzAnswer {
  status: number;
  text: string;
}

/** One request as sent: what fetch needs, and what a report shows (keys replaced by the role's name). */
interface Prepared {
  url: string;
  init: RequestInit;
  shown: string;
}

const bodyLimit = 1024 * 1024;

/** Signs a raw body for a signed operation (the webhook), as its provider would, at `timestampSeconds`. */
export type Signer = (rawBody: string, timestampSeconds: number) => string;

function authorization(caller: Caller, keys: Record<ApiKeyRole, string>): { value?: string; shown?: string } {
  switch (caller) {
    case 'admin':
    case 'operator':
    case 'scheduler':
      return { value: `Bearer ${keys[caller]}`, shown: `Bearer <${caller} key>` };
    case 'admin-basic':
      return {
        value: `Basic ${Buffer.from(`fuzz:${keys.admin}`).toString('base64')}`,
        shown: 'Basic <fuzz:admin key>',
      };
    case 'unknown-key':
      return { value: `Bearer pyk_${'A'.repeat(43)}`, shown: `Bearer pyk_${'A'.repeat(43)}` };
    case 'malformed':
      return { value: 'Token abc', shown: 'Token abc' };
    case 'none':
      return {};
  }
}

function pathOf(operation: Operation, request: FuzzRequest): string {
  const path = operation.path.replace(/\{([^}]+)\}/g, (_, name: string) => request.path[name] ?? '');
  const query = request.query.map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`);
  return query.length > 0 ? `${path}?${query.join('&')}` : path;
}

/** A signature for the body as sent, in place of every fuzzed signature header; shown without its MAC. */
function signatureHeader(operation: Operation, request: FuzzRequest, body: string, sign: Signer | undefined) {
  const { signature } = request;
  if (!signature) return undefined;
  if (!sign) throw new Error(`${operation.method} ${operation.path} is signed: pass a signer to send()`);
  const t = Math.floor(Date.now() / 1000) + signature.ageSeconds;
  const value = sign(signature.tampered ? `${body} ` : body, t);
  const shown = `<signed ${signature.tampered ? 'over other bytes ' : ''}at now${signature.ageSeconds < 0 ? '' : '+'}${signature.ageSeconds}s>`;
  return { value, shown };
}

function prepare(
  baseUrl: string,
  operation: Operation,
  request: FuzzRequest,
  keys: Record<ApiKeyRole, string>,
  sign: Signer | undefined,
) {
  const path = pathOf(operation, request);
  const auth = authorization(request.caller, keys);
  const headers: Record<string, string> = { ...request.headers };
  const shownHeaders: string[] = [];
  if (auth.value) {
    headers.authorization = auth.value;
    shownHeaders.push(`authorization: ${auth.shown}`);
  }
  let body: string | undefined;
  let shownBody = '(no body)';
  const { body: fuzzBody } = request;
  if (fuzzBody.kind === 'json') {
    body = JSON.stringify(fuzzBody.value);
    headers['content-type'] = 'application/json';
  } else if (fuzzBody.kind === 'text') {
    body = fuzzBody.text;
    headers['content-type'] = fuzzBody.contentType;
  } else if (fuzzBody.kind === 'oversized') {
    body = `{"filler":"${'a'.repeat(bodyLimit)}"}`;
    headers['content-type'] = 'application/json';
    shownBody = `{"filler":"<${bodyLimit} times a>"}`;
  }
  if (body !== undefined && fuzzBody.kind !== 'oversized') shownBody = JSON.stringify(body);
  const signature = signatureHeader(operation, request, body ?? '', sign);
  if (signature && request.signature) {
    for (const parameter of operation.parameters) if (parameter.in === 'header') delete headers[parameter.name];
    headers[request.signature.header] = signature.value;
  }
  for (const [name, value] of Object.entries(request.headers)) {
    if (headers[name] === value) shownHeaders.push(`${name}: ${JSON.stringify(value)}`);
  }
  if (signature && request.signature) shownHeaders.push(`${request.signature.header}: ${signature.shown}`);
  if (headers['content-type']) shownHeaders.push(`content-type: ${headers['content-type']}`);
  const shown = [`${operation.method} ${path}`, ...shownHeaders, `body: ${shownBody}`].join('\n  ');
  const init: RequestInit = { method: operation.method, headers, body, redirect: 'manual' };
  return { url: `${baseUrl}${path}`, init, shown } satisfies Prepared;
}

/** Sends the request over HTTP; `answer` is undefined when none came (the connection failed). */
export async function send(
  baseUrl: string,
  operation: Operation,
  request: FuzzRequest,
  keys: Record<ApiKeyRole, string>,
  sign?: Signer,
): Promise<{ shown: string; answer?: FuzzAnswer; failure?: string }> {
  const prepared = prepare(baseUrl, operation, request, keys, sign);
  try {
    const response = await fetch(prepared.url, { ...prepared.init, signal: AbortSignal.timeout(20_000) });
    return { shown: prepared.shown, answer: { status: response.status, text: await response.text() } };
  } catch (error) {
    const cause = (error as Error & { cause?: Error }).cause;
    return { shown: prepared.shown, failure: `${(error as Error).message}${cause ? ` (${cause.message})` : ''}` };
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Answers given before a route reads the key: a malformed URL (400) and a request target or path
 * parameter that is too long (414) while routing; the rate limit (429) counts callers without a key too.
 * A signed operation checks its signature once it has the body, so before that come a body too large
 * (413), of another media type (415), and NUL in the query (400, the input guard).
 */
function refusedBeforeAuth(operation: Operation, request: FuzzRequest, status: number): boolean {
  if (status === 429) return true;
  if (operation.signed && (status === 413 || status === 415)) return true;
  const nulInQuery = request.query.some(([name, value]) => `${name}${value}`.includes('\u0000'));
  if (operation.signed && status === 400 && nulInQuery) return true;
  const segments = Object.values(request.path);
  if (status === 400) return segments.some((segment) => badlyEncodedSegments.includes(segment));
  if (status === 414) {
    return (
      segments.some((segment) => segment.length > maxParamLength) || pathOf(operation, request).length > maxUrlLength
    );
  }
  return false;
}

/** What is wrong with an answer, judged by the document and the API's conventions; empty when nothing. */
export function problemsOf(operation: Operation, request: FuzzRequest, answer: FuzzAnswer): string[] {
  const problems: string[] = [];
  const { status } = answer;
  if (status >= 500) problems.push(`a ${status} answer: the API must not fail on any request`);
  if (!operation.statuses.has(status)) {
    problems.push(`status ${status} is not one the document lists (${[...operation.statuses.keys()].join(', ')})`);
  }
  if (operation.signed) {
    // No key here: the signature is the authentication.
    const valid = signsValidly(request.signature);
    if (!valid && status !== 401 && !refusedBeforeAuth(operation, request, status)) {
      problems.push(`status ${status} without a valid signature: it must be 401`);
    }
    if (valid && status === 401) problems.push('401 for a valid signature');
  } else if (
    unauthenticated.includes(request.caller) &&
    status !== 401 &&
    !refusedBeforeAuth(operation, request, status)
  ) {
    problems.push(`status ${status} without a valid key: it must be 401`);
  }
  if (status >= 300) {
    const body = parseJson(answer.text) as { error?: { code?: unknown; message?: unknown } } | undefined;
    const error = body?.error;
    if (typeof error?.code !== 'string' || typeof error.message !== 'string') {
      problems.push('the body is not the error shape {error:{code:string,message:string}}');
    } else {
      const codes = operation.statuses.get(status);
      if (codes && !codes.includes(error.code)) problems.push(`error code ${error.code} is not documented`);
    }
  }
  return problems;
}

export function describeAnswer(answer: FuzzAnswer): string {
  const text = answer.text.length > 2000 ? `${answer.text.slice(0, 2000)}...` : answer.text;
  return `${answer.status} ${text}`;
}
