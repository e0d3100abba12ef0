import { configDefaults, defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The reliability suite has its own config and command: npm run test:chaos.
    exclude: [...configDefaults.exclude, 'test/chaos/**'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Postgres suites each use their own schema, so files can run in parallel safely.
    fileParallelism: true,
    // Most specs wait on databases, HTTP and child processes, not the CPU: vitest's default on a
    // 2-core machine (one worker) leaves both cores idle most of the run.
    maxWorkers: 3,
    // Files share their worker's module graph instead of importing hookrelay (and Kysely, pg,
    // undici…) again each: on 2 cores that import was a fifth of the run. Specs keep no state
    // in modules; each makes its own relays, storages and servers and closes them.
    isolate: false,
    reporters: ['default'],
  },
})
