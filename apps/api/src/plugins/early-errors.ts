import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify';
import { type ErrorCode, errorBody, HttpError, statusOf } from './error-handler.ts';
import { baselineSecurityHeaders } from './security-headers.ts';

/** The longest request target (path and query) the API reads; a longer one is 414. */
export const maxUrlLength = 8 * 1024;
/** The longest path parameter; ids are at most 100 characters. A longer one is 414 (Fastify's router refuses it). */
export const maxParamLength = 100;

/** 414 for a request target longer than maxUrlLength, before anything else looks at it. */
export function registerUrlLimit(app: FastifyInstance) {
  app.addHook('onRequest', async (request) => {
    if (request.url.length > maxUrlLength) {
      throw new HttpError('URI_TOO_LONG', `the request target is longer than ${maxUrlLength} characters`);
    }
  });
}

/**
 * Errors Fastify meets while routing, before any hook runs: a path parameter over maxParamLength (414) and
 * a malformed URL (400). Answered in the one error shape, with the headers helmet would have set.
 */
function answerFrameworkError(error: FastifyError, _request: FastifyRequest, reply: FastifyReply) {
  const code: ErrorCode = error.statusCode === 414 ? 'URI_TOO_LONG' : 'VALIDATION_FAILED';
  const message =
    code === 'URI_TOO_LONG' ? `a path parameter is longer than ${maxParamLength} characters` : 'malformed URL';
  void reply.status(statusOf[code]).headers(baselineSecurityHeaders).send(errorBody(code, message));
}

/** Node's HTTP parser gave up on the request line plus headers (16 KiB by default): which part was too long. */
function overflowCode(error: Error & { rawPacket?: unknown }): ErrorCode {
  const raw = error.rawPacket;
  if (!Buffer.isBuffer(raw)) return 'HEADERS_TOO_LARGE';
  const lineEnd = raw.indexOf('\r\n');
  const requestLine = raw.subarray(0, lineEnd < 0 ? raw.length : lineEnd).toString('latin1');
  // Only a packet that starts the request shows its request line; a later packet cannot tell, and gets 431.
  const startsRequest = /^[A-Z]+ \//.test(requestLine);
  return startsRequest && requestLine.length > maxUrlLength ? 'URI_TOO_LONG' : 'HEADERS_TOO_LARGE';
}

const clientErrorMessages: Partial<Record<ErrorCode, string>> = {
  URI_TOO_LONG: `the request target is longer than ${maxUrlLength} characters`,
  HEADERS_TOO_LARGE: 'the request line and headers are larger than the server accepts',
  REQUEST_TIMEOUT: 'the request was not received in time',
  VALIDATION_FAILED: 'malformed HTTP request',
};

/** Errors of Node's HTTP parser (no request exists yet): written straight to the socket, then closed. */
function answerClientError(error: Error & { code?: string }, socket: Socket) {
  if (error.code === 'ECONNRESET' || socket.destroyed || !socket.writable) return;
  const code: ErrorCode =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? overflowCode(error)
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? 'REQUEST_TIMEOUT'
        : 'VALIDATION_FAILED';
  const status = statusOf[code];
  const body = JSON.stringify(errorBody(code, clientErrorMessages[code] ?? 'malformed HTTP request'));
  const headers = {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(body)),
    connection: 'close',
    ...baselineSecurityHeaders,
  };
  const head = Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}`)
    .join('\r\n');
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n${head}\r\n\r\n${body}`);
}

/** Fastify server options for the answers given before routing; `buildApp` passes them to Fastify. */
export const earlyErrorOptions = {
  frameworkErrors: answerFrameworkError,
  clientErrorHandler: answerClientError,
  routerOptions: { maxParamLength },
} satisfies FastifyServerOptions;
