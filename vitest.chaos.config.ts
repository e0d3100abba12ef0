import { defineConfig } from 'vitest/config'

/**
 * The reliability suite (`npm run test:chaos`): SIGKILL storms, database and Redis outages, a
 * hostile receiver, an inbound fuzz and a full disk. Each file starts its own faults (private
 * Postgres and Redis instances, a tmpfs), so files run one at a time: two storms at once on a
 * small machine would measure the machine, not hookrelay.
 */
export default defineConfig({
  test: {
    include: ['test/chaos/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    fileParallelism: false,
    reporters: ['default'],
  },
})
