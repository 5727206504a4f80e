// The RiseWorks (Rise v2) payment provider: SIWE sign-in, EIP-712 signed payments, look-up by invoice text.
import { privateKeyToAccount } from 'viem/accounts';
import type { PaymentProvider } from '../payment-provider.ts';
import { makeRiseClient } from './rise-client.ts';
import { getRiseBalanceCents, getRisePayeeStatus } from './rise-payees.ts';
import { confirmRisePayment, lookUpRisePayment, sendRisePayment } from './rise-payments.ts';

export interface RiseProviderOptions {
  /** Rise's base URL, e.g. https://b2b-api.dev-riseworks.io */
  apiUrl: string;
  /** The paying team, `te-` + 12 characters. */
  teamNanoid: string;
  /** The RiseID the wallet signs in for (company or team). */
  riseId: string;
  /** 0x + 64 hex. Used to sign only: never logged, returned, or put in an error. */
  walletPrivateKey: string;
  /** Per HTTP call. */
  timeoutMs: number;
  /** Clock for the look-up window; the real time by default. */
  now?: () => Date;
}

export interface RiseProvider extends PaymentProvider {
  readonly name: 'RISE';
  /** The team's balance in integer cents (the probe that shows paying may resume). */
  getBalanceCents(): Promise<number>;
}

export function makeRiseProvider(options: RiseProviderOptions): RiseProvider {
  // The message never includes the value.
  if (!/^0x[0-9a-fA-F]{64}$/.test(options.walletPrivateKey)) throw new Error('Rise wallet key must be 0x + 64 hex');
  const account = privateKeyToAccount(options.walletPrivateKey as `0x${string}`);
  const http = { baseUrl: options.apiUrl, timeoutMs: options.timeoutMs };
  const client = makeRiseClient({ http, account, riseId: options.riseId });
  const payments = { client, account, teamNanoid: options.teamNanoid, now: options.now ?? (() => new Date()) };
  const payees = { client, teamNanoid: options.teamNanoid };

  return {
    name: 'RISE',
    sendPayment: (request) => sendRisePayment(payments, request),
    getPaymentStatus: (lookup) => lookUpRisePayment(payments, lookup),
    getPaymentConfirmation: (lookup) => confirmRisePayment(payments, lookup),
    getPayeeStatus: (payeeId) => getRisePayeeStatus(payees, payeeId),
    getBalanceCents: () => getRiseBalanceCents(payees),
  };
}
