import { defineConfig } from 'vitest/config';

/** Where the tests of packages, apps, examples, benchmarks, deployment files and scripts live (e2e: test/). */
const BESIDE_CODE = [
  'packages/**/src/**',
  'apps/**/src/**',
  'examples/**',
  'bench/**',
  'deploy/**',
  'scripts/**',
];
const beside = (suffix: string) => BESIDE_CODE.map((dir) => `${dir}/*${suffix}`);

// Four suites, told apart by file name:
// - unit (`*.test.ts`): pure, in this process, short default timeout; also the guards over the test code
//   (test/guards/);
// - process (`*.proc.test.ts`): start child processes (trainers, a stand-in worker, python3, lavapipe);
// - int (`*.int.test.ts`): against the real Redis and PostgreSQL;
// - e2e (test/): start real API and worker processes.
// unit and process share one pool of workers; int and e2e run their files one at a time, after them.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: [...beside('.test.ts'), 'test/guards/**/*.test.ts'],
          exclude: ['**/*.int.test.ts', '**/*.proc.test.ts', '**/node_modules/**'],
          testTimeout: 5_000,
        },
      },
      {
        test: {
          name: 'process',
          include: beside('.proc.test.ts'),
          exclude: ['**/node_modules/**'],
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'int',
          globalSetup: ['test/support/global-setup.ts'],
          include: beside('.int.test.ts'),
          exclude: ['**/node_modules/**'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'e2e',
          globalSetup: ['test/support/global-setup.ts'],
          include: ['test/**/*.test.ts'],
          exclude: ['test/guards/**', '**/node_modules/**'],
          testTimeout: 300_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
