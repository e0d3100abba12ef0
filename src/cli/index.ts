#!/usr/bin/env node
/**
 * `npx hookrelay`: the operator's command line. See `hookrelay --help` and docs/operations.md.
 * Connects with `--database-url` or `HOOKRELAY_DATABASE_URL` (postgres://… or a SQLite file).
 */
import { processIo } from './output.js'
import { run } from './program.js'

run(process.argv, processIo).then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    process.stderr.write(`error: ${String(error)}\n`)
    process.exitCode = 1
  },
)
