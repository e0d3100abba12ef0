import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { expect, it } from 'vitest'
import { END, readSchema, schemaMarkdown, START } from '../../scripts/schema-doc.js'

const STORAGE_MD = fileURLToPath(new URL('../../docs/storage.md', import.meta.url))

it("docs/storage.md's generated table of tables and indexes is what the migrations create", async () => {
  const doc = readFileSync(STORAGE_MD, 'utf8')
  const block = doc.slice(doc.indexOf(START) + START.length, doc.indexOf(END)).trim()
  expect(block, 'regenerate it: npx tsx scripts/schema-doc.ts --write').toBe(await schemaMarkdown())
})

it("docs/storage.md's data model names every column of every table, and no column that does not exist", async () => {
  const doc = readFileSync(STORAGE_MD, 'utf8')
  const model = doc.slice(doc.indexOf('## Data model'), doc.indexOf(START))
  for (const table of await readSchema()) {
    const section = new RegExp(`### \`${table.name}\`\\n([\\s\\S]*?)(?=\\n### |$)`).exec(model)?.[1]
    if (table.name === 'meta') continue // described in prose: two columns
    expect(section, `a "### \`${table.name}\`" section in the data model`).toBeDefined()
    // The first cell of each row of the section's table: one or several `column` names.
    const documented = [...section!.matchAll(/^\| ([^|]+) \|/gm)]
      .map((m) => m[1]!)
      .filter((cell) => cell.startsWith('`'))
      .flatMap((cell) => [...cell.matchAll(/`([a-z_]+)`/g)].map((c) => c[1]!))
    expect(documented.sort(), `columns of ${table.name}`).toEqual(table.columns.map((c) => c.name).sort())
  }
})
