// Authenticated calls to Rise, and the one place a failed call becomes a provider error.
import type { ProviderError } from '../provider-errors.ts';
import { makeRiseSession, type RiseSessionOptions, SignInError } from './rise-auth.ts';
import { type CallPhase, RiseCallError, type RiseRequest, riseRequest, toProviderError } from './rise-http.ts';

export interface RiseClient {
  /** One authenticated call; throws RiseCallError (the call failed) or SignInError (the sign-in did). */
  send(request: Omit<RiseRequest, 'token'>): Promise<unknown>;
  /** One authenticated call; throws the provider error for the failure in that phase. */
  call(phase: CallPhase, request: Omit<RiseRequest, 'token'>): Promise<unknown>;
}

export function makeRiseClient(options: RiseSessionOptions): RiseClient {
  const session = makeRiseSession(options);
  const send = (request: Omit<RiseRequest, 'token'>) =>
    session.withToken((token) => riseRequest(options.http, { ...request, token }));
  return {
    send,
    async call(phase, request) {
      try {
        return await send(request);
      } catch (error) {
        throw asProviderError(error, phase);
      }
    },
  };
}

/** Maps what `send` throws; anything else (a bug) passes through unchanged. */
export function asProviderError(error: unknown, phase: CallPhase): ProviderError | unknown {
  if (error instanceof SignInError) return toProviderError(error.callError, 'auth');
  if (error instanceof RiseCallError) return toProviderError(error, phase);
  return error;
}
