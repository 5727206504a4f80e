import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { type Hex, isAddressEqual, verifyMessage, verifyTypedData } from 'viem';
import { createSiweMessage, generateSiweNonce } from 'viem/siwe';
import { forwarderDomain, paymentsContract } from './config.ts';

// ---------- SIWE ----------

export interface IssuedNonce {
  wallet: `0x${string}`;
  riseId: string;
  message: string;
  expiresAt: number;
}

export function issueSiwe(input: { wallet: `0x${string}`; domain: string; nonceTtlMs: number; now: number }): {
  nonce: string;
  message: string;
  expiresAt: number;
} {
  const nonce = generateSiweNonce();
  const expiresAt = input.now + input.nonceTtlMs;
  const message = createSiweMessage({
    address: input.wallet,
    chainId: forwarderDomain.chainId,
    domain: input.domain,
    uri: `https://${input.domain}`,
    version: '1',
    nonce,
    issuedAt: new Date(input.now),
    expirationTime: new Date(expiresAt),
    statement: 'Sign in to Rise (sandbox)',
  });
  return { nonce, message, expiresAt };
}

export function verifySiweSignature(wallet: `0x${string}`, message: string, sig: string): Promise<boolean> {
  return verifyMessage({ address: wallet, message, signature: sig as Hex }).catch(() => false);
}

// ---------- JWT ----------
// [ours] Rise's JWT format is opaque to clients; ours is a compact HS256 JWT signed with a server secret.

export interface JwtClaims {
  sub: string;
  riseid: string;
  team: string;
  exp: number;
}

const b64 = (value: string | Buffer) => Buffer.from(value).toString('base64url');

export function signJwt(secret: string, claims: JwtClaims): string {
  const head = `${b64(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${b64(JSON.stringify(claims))}`;
  return `${head}.${b64(createHmac('sha256', secret).update(head).digest())}`;
}

/** The claims of a token this server signed and that has not expired (exp in ms), else undefined. */
export function verifyJwt(secret: string, token: string, now: number): JwtClaims | undefined {
  const [header, payload, mac] = token.split('.');
  if (!header || !payload || !mac) return undefined;
  const expected = createHmac('sha256', secret).update(`${header}.${payload}`).digest();
  const given = Buffer.from(mac, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as JwtClaims;
    return typeof claims.exp === 'number' && claims.exp > now ? claims : undefined;
  } catch {
    return undefined;
  }
}

export const randomSecret = () => randomBytes(32).toString('hex');

// ---------- EIP-712 payment requests ----------

// [ours] Rise does not publish these types. One PaymentData per `to` entry of the prepare call;
// salt is a random bytes32, expires a unix time in seconds (sent as a decimal string, as uint256).
export const paymentTypes = {
  CreatePaymentsForwardRequest: [
    { name: 'from', type: 'address' },
    { name: 'to', type: 'address' },
    { name: 'salt', type: 'bytes32' },
    { name: 'expires', type: 'uint256' },
    { name: 'data', type: 'PaymentData[]' },
  ],
  PaymentData: [
    { name: 'recipient', type: 'string' },
    { name: 'amount_cents', type: 'uint256' },
    { name: 'currency_symbol', type: 'string' },
    { name: 'invoice_description', type: 'string' },
  ],
} as const;

export const primaryType = 'CreatePaymentsForwardRequest';

export interface PaymentData {
  recipient: string;
  amount_cents: number;
  currency_symbol: 'USD';
  invoice_description: string;
}

export interface PaymentRequest {
  from: `0x${string}`;
  to: `0x${string}`;
  salt: `0x${string}`;
  expires: string;
  data: PaymentData[];
}

export function buildPaymentRequest(input: {
  teamAddress: `0x${string}`;
  data: PaymentData[];
  expiresAtSeconds: number;
}): PaymentRequest {
  return {
    from: input.teamAddress,
    to: paymentsContract,
    salt: `0x${randomBytes(32).toString('hex')}`,
    expires: String(input.expiresAtSeconds),
    data: input.data,
  };
}

export function verifyPaymentSignature(signer: `0x${string}`, request: PaymentRequest, signature: string) {
  return verifyTypedData({
    address: signer,
    domain: forwarderDomain,
    types: paymentTypes,
    primaryType,
    message: {
      ...request,
      expires: BigInt(request.expires),
      data: request.data.map((d) => ({ ...d, amount_cents: BigInt(d.amount_cents) })),
    },
    signature: signature as Hex,
  }).catch(() => false);
}

/** True when two requests are the same signed content (field order and number/string forms aside). */
export function sameRequest(a: PaymentRequest, b: PaymentRequest): boolean {
  const norm = (r: PaymentRequest) =>
    JSON.stringify([
      r.from.toLowerCase(),
      r.to.toLowerCase(),
      r.salt.toLowerCase(),
      String(r.expires),
      r.data.map((d) => [d.recipient, String(d.amount_cents), d.currency_symbol, d.invoice_description]),
    ]);
  return norm(a) === norm(b);
}

export { isAddressEqual };
