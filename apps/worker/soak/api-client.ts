// The soak talks to the API as an admin's script would: over HTTP, with an admin key, and patiently
// (the API may be restarting, or answer 503 while Redis is down).

export interface ApiAnswer {
  status: number;
  body: Record<string, unknown>;
}

export interface ApiClient {
  /** A request under /api/disbursement; throws only when no answer came (connection refused, timeout). */
  request(
    method: 'GET' | 'POST',
    path: string,
    options?: { body?: unknown; idempotencyKey?: string; timeoutMs?: number },
  ): Promise<ApiAnswer>;
}

export function makeApiClient(baseUrl: string, key: string): ApiClient {
  return {
    async request(method, path, options = {}) {
      const headers: Record<string, string> = { authorization: `Bearer ${key}` };
      if (options.body !== undefined) headers['content-type'] = 'application/json';
      if (options.idempotencyKey) headers['idempotency-key'] = options.idempotencyKey;
      const response = await fetch(`${baseUrl}/api/disbursement${path}`, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
      });
      const text = await response.text();
      let body: Record<string, unknown> = {};
      try {
        body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
      } catch {
        body = { text };
      }
      return { status: response.status, body };
    },
  };
}

/** Whether the API answers GET /readyz with 200 (Postgres and Redis up) within 2 s. */
export async function apiReady(baseUrl: string): Promise<boolean> {
  try {
    const response = await fetch(`${baseUrl}/readyz`, { signal: AbortSignal.timeout(2000) });
    await response.arrayBuffer();
    return response.status === 200;
  } catch {
    return false;
  }
}

/** What went wrong with a request, as a short label for the report's counts. */
export function failureLabel(answer: ApiAnswer | Error): string {
  if (answer instanceof Error) {
    const cause = (answer.cause as { code?: string } | undefined)?.code;
    return answer.name === 'TimeoutError' ? 'timeout' : (cause ?? answer.name);
  }
  const code = (answer.body.error as { code?: string } | undefined)?.code;
  return `${answer.status}${code ? ` ${code}` : ''}`;
}

/** Waits `ms`, or less when the signal aborts (then resolves at once). */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
