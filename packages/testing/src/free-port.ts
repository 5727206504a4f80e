import { createServer } from 'node:net';

/**
 * A TCP port on 127.0.0.1 free right now, for a process that must know an address before it starts (a
 * sandbox that calls the API back, a Redis restarted on the same port). Another process may take it
 * meanwhile: start what needs it soon after.
 */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}
