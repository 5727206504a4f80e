import { getAddress, keccak256, slice, toHex } from 'viem';

export type OnboardingStatus = 'pending' | 'submitted' | 'approved' | 'rejected' | 'expired';

export interface MemberSeed {
  nanoid: string;
  email: string;
  first_name?: string;
  last_name?: string;
  riseid?: string;
  onboarding_status?: OnboardingStatus;
  can_receive_payments?: boolean;
}

export interface SandboxTeam {
  /** `te-` + 12 characters. */
  nanoid: string;
  /** The company RiseID that SIWE sign-in names (the team nanoid is accepted too [ours]). */
  riseId: string;
  /** The only wallet allowed to sign in and to sign payments for this team. */
  walletAddress: string;
  initialBalanceCents: number;
  members: MemberSeed[];
}

export interface SandboxOptions {
  team: SandboxTeam;
  /** Mounts the `/sandbox/...` test controls. Default true. */
  controls?: boolean;
  jwtTtlMs?: number;
  nonceTtlMs?: number;
  typedDataTtlSeconds?: number;
  /** HMAC secret of the JWTs; random per process by default. */
  jwtSecret?: string;
  /** The host named in the SIWE message. */
  siweDomain?: string;
  logger?: boolean;
  /** Where signed webhooks are POSTed; none = no webhooks. */
  webhookUrl?: string;
  /** HMAC secret of the `X-Rise-Signature` header; required with webhookUrl. */
  webhookSecret?: string;
  /** Multiplies the webhook retry delays (+1, +2, +5 min). Default 1. */
  webhookDelayScale?: number;
  /** Delivery settings at start (and after a reset); `/sandbox/webhooks/settings` changes them. Default: enabled, no duplicates, no lost answers. */
  webhookSettings?: Partial<WebhookSettings>;
}

export const defaults = {
  jwtTtlMs: 60 * 60 * 1000,
  nonceTtlMs: 5 * 60 * 1000,
  typedDataTtlSeconds: 10 * 60,
  siweDomain: 'b2b-api.dev-riseworks.io',
};

// [ours] The EIP-712 domain. Rise's contract address is not documented; this one is a fixed placeholder.
export const forwarderDomain = {
  name: 'RiseAccountForwarder',
  version: '1.0.0',
  chainId: 42161,
  verifyingContract: derivedAddress('rise-sandbox:forwarder'),
} as const;

// [ours] The contract `typed_data.to` names (the payments contract behind the forwarder).
export const paymentsContract = derivedAddress('rise-sandbox:payments');

/** [ours] A team's on-chain account address: derived from its nanoid so it is stable across restarts. */
export function teamAddress(teamNanoid: string): `0x${string}` {
  return derivedAddress(`rise-sandbox:team:${teamNanoid}`);
}

function derivedAddress(seed: string): `0x${string}` {
  return getAddress(slice(keccak256(toHex(seed)), 12));
}

/**
 * Test controls over delivery (`/sandbox/webhooks/settings`) [ours]. `enabled` is read at every attempt;
 * `duplicates` and `loseFirstAnswer` when an event is emitted, so an event keeps the behaviour it began with.
 */
export interface WebhookSettings {
  /**
   * false: nothing is sent. An event emitted meanwhile, or a retry falling due meanwhile, is listed as
   * `suppressed` and never sent, not even once webhooks are enabled again (as Rise does not replay
   * events a disabled subscription missed).
   */
  enabled: boolean;
  /** Every event is delivered twice: two deliveries of one body (same idempotency_key), each signed and retried on its own. */
  duplicates: boolean;
  /**
   * The receiver's first answer to each delivery is dropped as if it never came (a timeout): the receiver
   * handled the event, the sandbox retries it per the schedule anyway. A realistic duplicate.
   */
  loseFirstAnswer: boolean;
}
