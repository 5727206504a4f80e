export {
  type CallDecision,
  decideMockCall,
  type FaultKind,
  faultKinds,
  type MockCall,
  type MockFaultPlan,
  MockFaultPlanError,
  type Probability,
  probabilityToPpm,
  type ResolvedFaultPlan,
  resolveFaultPlan,
} from './mock-faults.ts';
export { mockFaultsFromEnv } from './mock-faults-env.ts';
export {
  type MockLedgerEntry,
  type MockLedgerTotals,
  readMockLedger,
  readMockLedgerByKey,
  removeMockPayment,
} from './mock-ledger.ts';
export { type MockProviderOptions, makeMockProvider } from './mock-provider.ts';
export type {
  PayeeStatus,
  PaymentLookup,
  PaymentProvider,
  PaymentReceipt,
  PaymentRequest,
  PaymentStatus,
} from './payment-provider.ts';
export {
  ProviderDuplicatePaymentError,
  ProviderError,
  ProviderOutcomeUnknownError,
  ProviderPermanentError,
  ProviderRateLimitedError,
  ProviderSuspendedError,
  ProviderTransientError,
} from './provider-errors.ts';
export {
  type PaymentConfirmation,
  type PaymentConfirmationLookup,
  type ProviderEvent,
  ProviderEventUnreadableError,
} from './provider-events.ts';
export { formatInvoiceDescription, parseInvoiceDescription } from './rise/rise-contract.ts';
export { makeRiseProvider, type RiseProvider, type RiseProviderOptions } from './rise/rise-provider.ts';
export {
  type RiseEventEnvelope,
  readRiseEvent,
  riseEventEnvelope,
  riseEventPaymentId,
  riseSignatureHeaders,
  type SignatureCheck,
  type SignatureRefusal,
  signRiseWebhook,
  verifyRiseSignature,
} from './rise/rise-webhooks.ts';
export { centsToUsd, usdToCents } from './rise/usd-cents.ts';
