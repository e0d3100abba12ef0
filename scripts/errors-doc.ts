// Rewrites the table of docs/errors.md from the error catalogue (src/core/error-codes.ts):
// npx tsx scripts/errors-doc.ts
import { readFileSync, writeFileSync } from 'node:fs'
import { ERROR_CODES } from '../src/core/error-codes.js'

const file = new URL('../docs/errors.md', import.meta.url)
const doc = readFileSync(file, 'utf8')
const header = '| code | HTTP status | what to do |\n| --- | ---: | --- |\n'
const rows = Object.entries(ERROR_CODES).map(([code, info]) => `| \`${code}\` | ${info.status} | ${info.action} |`)
writeFileSync(file, doc.slice(0, doc.indexOf(header)) + header + rows.join('\n') + '\n')
