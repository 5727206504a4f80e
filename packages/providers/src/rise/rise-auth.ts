// Sign-In with Ethereum against Rise, a JWT cached in memory, and one re-authentication on a 401.
import type { PrivateKeyAccount } from 'viem/accounts';
import { z } from 'zod';
import { MAX_REAUTH_PER_CALL, MAX_SIGN_IN_ATTEMPTS, providerWideCodes } from './rise-contract.ts';
import { RiseCallError, type RiseHttpOptions, riseRequest } from './rise-http.ts';

export interface RiseSession {
  /** Runs `call` with a valid JWT; on a 401 signs in once more and runs it once more. Throws RiseCallError. */
  withToken<T>(call: (token: string) => Promise<T>): Promise<T>;
}

export interface RiseSessionOptions {
  http: RiseHttpOptions;
  account: PrivateKeyAccount;
  riseId: string;
}

const siweSchema = z.object({ siwe: z.string().min(1) });
const jwtSchema = z.object({ jwt: z.string().min(1) });

/** The nonce is the text after `Nonce: ` in the EIP-4361 message. */
export function nonceOfSiweMessage(message: string): string | undefined {
  return /(?:^|\n)Nonce: (\S+)/.exec(message)?.[1];
}

export function makeRiseSession({ http, account, riseId }: RiseSessionOptions): RiseSession {
  let jwt: string | undefined;
  let signingIn: Promise<string> | undefined;

  /** Starts a sign-in, or joins the one in flight so concurrent callers share it. */
  function signIn(): Promise<string> {
    signingIn ??= signInWithRetry().finally(() => {
      signingIn = undefined;
    });
    return signingIn;
  }

  async function signInWithRetry(): Promise<string> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        jwt = await signInOnce();
        return jwt;
      } catch (error) {
        // A 401 on sign-in may be a nonce that expired between the two calls: try once more.
        const retriable = error instanceof RiseCallError && isUnauthorized(error);
        if (!retriable || attempt >= MAX_SIGN_IN_ATTEMPTS) throw error;
      }
    }
  }

  async function signInOnce(): Promise<string> {
    const challenge = siweSchema.safeParse(
      await riseRequest(http, {
        method: 'GET',
        path: '/v2/auth/siwe',
        query: { wallet: account.address, riseid: riseId },
      }),
    );
    if (!challenge.success) throw new RiseCallError('GET /v2/auth/siwe', { kind: 'malformed' });
    const message = challenge.data.siwe;
    const nonce = nonceOfSiweMessage(message);
    if (!nonce) throw new RiseCallError('GET /v2/auth/siwe', { kind: 'malformed' });
    const sig = await account.signMessage({ message });
    const verified = jwtSchema.safeParse(
      await riseRequest(http, { method: 'POST', path: '/v2/auth/verify', body: { message, sig, nonce } }),
    );
    if (!verified.success) throw new RiseCallError('POST /v2/auth/verify', { kind: 'malformed' });
    return verified.data.jwt;
  }

  /** A fresh token after `stale` was refused: a newer one another caller got already, or a new sign-in. */
  function refresh(stale: string): Promise<string> {
    if (jwt !== undefined && jwt !== stale) return Promise.resolve(jwt);
    if (jwt === stale) jwt = undefined;
    return signIn();
  }

  return {
    async withToken<T>(call: (token: string) => Promise<T>): Promise<T> {
      let token = jwt ?? (await signInMapped(signIn));
      for (let reauths = 0; ; reauths += 1) {
        try {
          return await call(token);
        } catch (error) {
          if (!(error instanceof RiseCallError) || !isUnauthorized(error) || reauths >= MAX_REAUTH_PER_CALL)
            throw error;
          token = await signInMapped(() => refresh(token));
        }
      }
    },
  };
}

/** A 401 that a new sign-in may cure (not a provider-wide refusal such as INVALID_SIGNATURE). */
function isUnauthorized(error: RiseCallError): boolean {
  const { failure } = error;
  return (
    failure.kind === 'http' &&
    failure.status === 401 &&
    (failure.code === undefined || !providerWideCodes.has(failure.code))
  );
}

/** Sign-in failures are reported in the `auth` phase whatever call needed the token. */
async function signInMapped(signIn: () => Promise<string>): Promise<string> {
  try {
    return await signIn();
  } catch (error) {
    throw error instanceof RiseCallError ? new SignInError(error) : error;
  }
}

/** A sign-in failure on its way out: whatever call needed the token, it is judged as an `auth` failure. */
export class SignInError extends Error {
  override name = 'SignInError';
  constructor(readonly callError: RiseCallError) {
    super(callError.message);
  }
}
