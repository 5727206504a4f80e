import { defineProject } from 'vitest/config';

// The test projects. Vitest 4 ignores this file by itself; vitest.config.ts imports the list.
export const projects = [
  defineProject({
    test: {
      name: 'unit',
      include: ['apps/*/test/**/*.unit.test.ts', 'packages/*/test/**/*.unit.test.ts'],
      environment: 'node',
    },
  }),
  defineProject({
    test: {
      name: 'integration',
      include: ['apps/*/test/**/*.int.test.ts', 'packages/*/test/**/*.int.test.ts'],
      environment: 'node',
      globalSetup: ['packages/testing/src/global-setup.ts'],
      testTimeout: 60_000,
      hookTimeout: 60_000,
    },
  }),
];
