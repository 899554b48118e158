import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    // Generous: a timeout here guards against a hung test, not a slow one (speed is measured by `npm run bench`);
    // on a loaded 2-core machine a heavy property test can take minutes.
    testTimeout: 600_000,
    hookTimeout: 600_000,
    pool: 'forks',
    globalSetup: ['test/support/global-setup.ts'],
  },
});
