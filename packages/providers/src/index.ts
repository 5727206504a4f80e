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
export { type MockLedgerEntry, type MockLedgerTotals, readMockLedger, readMockLedgerByKey } from './mock-ledger.ts';
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
export { formatInvoiceDescription, parseInvoiceDescription } from './rise/rise-contract.ts';
export { makeRiseProvider, type RiseProvider, type RiseProviderOptions } from './rise/rise-provider.ts';
export { centsToUsd, usdToCents } from './rise/usd-cents.ts';
