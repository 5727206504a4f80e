import { migrate } from '@payouts/db';
import type { TestProject } from 'vitest/node';
import { closeToConnections, dropAbandonedDatabases, dropDatabase, uniqueName, withDatabase } from './databases.ts';
import type { ProvidedServices } from './provided-context.ts';
import { resolveServices } from './services.ts';

/**
 * Vitest globalSetup of the integration project, once per run: finds the services and migrates a
 * template database that makeTestContext() copies for each test file. Test files get its name through
 * provide/inject (typed in provided-context.ts), not environment variables.
 */
export default async function setup(project: TestProject) {
  const services = await resolveServices();
  const serverUrl = services.databaseUrl;
  const templateDatabase = uniqueName('payouts_tpl');
  const teardown = async () => {
    await dropDatabase(serverUrl, templateDatabase);
    await services.stop();
  };
  try {
    await dropAbandonedDatabases(serverUrl, ['payouts_tpl', 'payouts_test', 'payouts_migrate']);
    await migrate(withDatabase(serverUrl, templateDatabase));
    await closeToConnections(serverUrl, templateDatabase);
  } catch (error) {
    await teardown().catch(() => {});
    throw error;
  }
  const provided: ProvidedServices = { serverUrl, redisUrl: services.redisUrl, templateDatabase };
  project.provide('payoutsServices', provided);
  return teardown;
}
