export {
  type AffiliateSpec,
  type InsertedAffiliate,
  insertAffiliate,
  resetBusinessData,
} from './affiliate-fixtures.ts';
export { type ApiProcess, spawnApi } from './api-process.ts';
export { insertApprovedCommissions, insertPayableAffiliates } from './bulk-fixtures.ts';
export { dropAbandonedDatabases, dropDatabase, uniqueName, withDatabase } from './databases.ts';
export { freePort } from './free-port.ts';
export { findInvariantViolations } from './invariants.ts';
export { type RssSampler, sampleRss, treeRss } from './process-rss.ts';
export {
  findSample,
  type MetricFamily,
  type MetricType,
  PrometheusTextError,
  parsePrometheusText,
  type Sample,
} from './prometheus-text.ts';
export type { ProvidedServices } from './provided-context.ts';
export { haveRedisServer, type RedisServer, startRedisServer } from './redis-server.ts';
export {
  type RiseSandboxProcess,
  type SandboxLedger,
  type SandboxPayment,
  spawnRiseSandbox,
} from './rise-sandbox-process.ts';
export type { OutputOptions } from './server-process.ts';
export { resolveServices, type Services } from './services.ts';
export { deleteRedisKeys, makeTestContext, type TestContext, testServerUrl } from './test-context.ts';
export { spawnWorker, type WorkerProcess } from './worker-process.ts';
