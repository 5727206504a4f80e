export { type MockProviderOptions, makeMockProvider, readMockLedger } from './mock-provider.ts';
export type {
  PayeeStatus,
  PaymentProvider,
  PaymentReceipt,
  PaymentRequest,
  PaymentStatus,
} from './payment-provider.ts';
export {
  ProviderError,
  ProviderOutcomeUnknownError,
  ProviderPermanentError,
  ProviderRateLimitedError,
  ProviderTransientError,
} from './provider-errors.ts';
