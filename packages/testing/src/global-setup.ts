import { migrate } from '@payouts/db';
import type { TestProject } from 'vitest/node';
import { dropAbandonedDatabases, dropDatabase, uniqueName, withDatabase } from './databases.ts';
import { resolveServices } from './services.ts';
import './test-context.ts';

/** Once per run: find the services and migrate a template database every test file copies. */
export default async function setup(project: TestProject) {
  const services = await resolveServices();
  await dropAbandonedDatabases(services.databaseUrl, ['payouts_tpl', 'payouts_test', 'payouts_migrate']);
  const templateDatabase = uniqueName('payouts_tpl');
  await migrate(withDatabase(services.databaseUrl, templateDatabase));
  project.provide('payoutsServices', {
    serverUrl: services.databaseUrl,
    redisUrl: services.redisUrl,
    templateDatabase,
  });
  return async () => {
    await dropDatabase(services.databaseUrl, templateDatabase);
    await services.stop();
  };
}
