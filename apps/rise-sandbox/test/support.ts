import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PrivateKeyAccount } from 'viem/accounts';

export interface Answer {
  status: number;
  headers: Headers;
  body: { success: boolean; data: unknown };
}

/** A tiny Rise client over fetch, for tests: just enough to drive the sandbox. */
export function riseClient(baseUrl: string) {
  async function call(method: string, path: string, options: { body?: unknown; jwt?: string } = {}): Promise<Answer> {
    const headers: Record<string, string> = {};
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (options.jwt) headers.authorization = `Bearer ${options.jwt}`;
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    return { status: response.status, headers: response.headers, body: (await response.json()) as Answer['body'] };
  }

  async function signIn(account: PrivateKeyAccount, riseId: string): Promise<string> {
    const siwe = await call('GET', `/v2/auth/siwe?wallet=${account.address}&riseid=${riseId}`);
    if (siwe.status !== 200) throw new Error(`siwe ${siwe.status} ${JSON.stringify(siwe.body)}`);
    const message = (siwe.body.data as { siwe: string }).siwe;
    const nonce = /Nonce: (\S+)/.exec(message)?.[1] ?? '';
    const sig = await account.signMessage({ message });
    const verified = await call('POST', '/v2/auth/verify', { body: { message, sig, nonce } });
    if (verified.status !== 200) throw new Error(`verify ${verified.status} ${JSON.stringify(verified.body)}`);
    return (verified.body.data as { jwt: string }).jwt;
  }

  return { call, signIn };
}

export interface Prepared {
  domain: Record<string, unknown>;
  types: Record<string, { name: string; type: string }[]>;
  typed_data: {
    from: string;
    to: string;
    salt: string;
    expires: string;
    data: { recipient: string; amount_cents: number; currency_symbol: string; invoice_description: string }[];
  };
  primary_type: string;
}

export function signPrepared(account: PrivateKeyAccount, prepared: Prepared, message = prepared.typed_data) {
  // The typed data comes as JSON; viem takes it as is (uint256 fields as decimal strings or numbers).
  return account.signTypedData({
    domain: prepared.domain,
    types: prepared.types,
    primaryType: prepared.primary_type,
    message,
  } as unknown as Parameters<PrivateKeyAccount['signTypedData']>[0]);
}

export interface ReceivedWebhook {
  headers: IncomingMessage['headers'];
  raw: string;
  body: { idempotency_key: string; event_type: string; [key: string]: unknown };
}

export interface WebhookReceiver {
  url: string;
  received: ReceivedWebhook[];
  close(): Promise<void>;
}

/**
 * A plain HTTP server standing for the receiver of the sandbox's webhooks; `status` says what it answers
 * (and may act before answering).
 */
export async function startWebhookReceiver(
  status: (received: ReceivedWebhook) => number | Promise<number>,
): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const hook = { headers: request.headers, raw, body: JSON.parse(raw) as ReceivedWebhook['body'] };
      received.push(hook);
      void Promise.resolve(status(hook))
        .catch(() => 500)
        .then((code) => response.writeHead(code, { 'content-type': 'text/plain' }).end('ok'));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/rise`,
    received,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
