import { setTimeout as sleep } from 'node:timers/promises';

/** The base URL to reach a server at; a wildcard bind address is reached through loopback. */
export function reachableBaseUrl(host: string, port: number): string {
  const reachable = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`;
}

/**
 * Resolves when GET `url` answers 200; rejects on timeout or when `gaveUp` settles first (a supervised
 * process exited). `what` names the server in the error.
 */
export async function waitFor200(url: string, what: string, timeoutMs: number, gaveUp: Promise<unknown>) {
  let stop = false;
  void gaveUp.then(() => {
    stop = true;
  });
  const deadline = Date.now() + timeoutMs;
  while (!stop && Date.now() < deadline) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      await response.body?.cancel();
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    await sleep(250);
  }
  throw new Error(
    stop ? `a process exited before ${what} was ready` : `no 200 from ${url} within ${timeoutMs / 1000} s`,
  );
}
