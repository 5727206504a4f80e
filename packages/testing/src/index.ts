export { type AffiliateSpec, type InsertedAffiliate, insertAffiliate } from './affiliate-fixtures.ts';
export { findInvariantViolations } from './invariants.ts';
export { resolveServices, type Services } from './services.ts';
export { makeTestContext, type TestContext } from './test-context.ts';
