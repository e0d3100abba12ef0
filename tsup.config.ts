import { defineConfig } from 'tsup'

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    signing: 'src/signing/index.ts',
    express: 'src/adapters/express/index.ts',
    fastify: 'src/adapters/fastify/index.ts',
    node: 'src/adapters/node/index.ts',
    fetch: 'src/adapters/fetch/index.ts',
    cli: 'src/cli/index.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  splitting: true,
  // Gives the CommonJS build `import.meta.url`, used to load optional peer dependencies.
  shims: true,
  // p-retry is ESM-only; bundling it keeps the CommonJS build loadable with require() on Node 20.18.
  noExternal: ['p-retry', 'is-network-error'],
})
