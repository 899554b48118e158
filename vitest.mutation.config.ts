import { defineConfig } from 'vitest/config';

// The mutation campaign only (mutation/campaign.mutation.ts): never part of `npm test`.
export default defineConfig({
  test: {
    include: ['mutation/**/*.mutation.ts'],
    testTimeout: 600_000,
    pool: 'forks',
  },
});
