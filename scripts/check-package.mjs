#!/usr/bin/env node
/**
 * Checks the built package the way users will consume it. Run after `npm run build`:
 *
 *   npm run build && npm run check:package
 *
 * 1. publint --strict: package.json fields, exports map, file formats.
 * 2. @arethetypeswrong/cli (attw --pack, every profile): the types resolve for ESM and CJS users, and
 *    on moduleResolution node10 (through typesVersions).
 * 3. Every subpath of the exports map is imported from ESM and required from CommonJS in a child
 *    process, by the package's own name (Node resolves a package's name to itself through its
 *    exports map), and the expected exports are checked in both.
 * 4. Classes exported by several entries (WebhookVerificationError) are the same class in each.
 * 5. `hookrelay/signing` (and the chunks it loads) imports nothing but Node built-ins.
 *
 * Exits non-zero with a message per failure.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { builtinModules } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'))

/** What each entry must export (as functions or classes), in both formats. */
const REQUIRED_EXPORTS = {
  '.': ['createRelay'],
  './signing': ['sign', 'verify', 'generateSecret', 'generateKeyPair', 'WebhookVerificationError'],
  './express': ['expressReceiver', 'expressAdmin', 'expressDashboard'],
  './fastify': ['fastifyReceiver', 'fastifyAdmin', 'fastifyDashboard'],
  './node': ['nodeReceiver', 'nodeDashboard'],
  './fetch': ['fetchReceiver', 'fetchDashboard'],
}
/** Classes that several entries export must be the same class, or `instanceof` breaks across entries. */
const SHARED_CLASSES = [['.', './signing', 'WebhookVerificationError']]
/** Entries that must load with nothing but Node built-ins (API.md: "no runtime dependency beyond crypto"). */
const DEPENDENCY_FREE = ['./signing']

const failures = []
const fail = (message) => {
  failures.push(message)
  console.error(`  ✗ ${message}`)
}
const pass = (message) => console.log(`  ✓ ${message}`)

function section(title) {
  console.log(`\n${title}`)
}

function bin(name) {
  const file = path.join(root, 'node_modules', '.bin', process.platform === 'win32' ? `${name}.cmd` : name)
  return existsSync(file) ? file : null
}

function run(command, args, options = {}) {
  return spawnSync(command, args, { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...options })
}

function output(result) {
  return `${result.stdout ?? ''}${result.stderr ?? ''}`.trim()
}

// 0. The build is there.
section('dist/')
const entries = Object.entries(pkg.exports ?? {}).filter(([subpath]) => subpath !== './package.json')
for (const [subpath, conditions] of entries) {
  for (const target of collectTargets(conditions)) {
    if (!existsSync(path.join(root, target))) fail(`${subpath}: ${target} is missing. Run \`npm run build\` first.`)
  }
}
if (failures.length > 0) finish()
pass(`every file the exports map points to exists (${entries.length} entries)`)

// The dashboard's prebuilt UI ships inside dist/ (the package's `files`), next to the bundles that serve it.
for (const file of ['app.js', 'app.css', 'favicon.svg']) {
  if (!existsSync(path.join(root, 'dist/dashboard-ui', file))) fail(`dist/dashboard-ui/${file} is missing: npm run build runs scripts/build-dashboard-ui.mjs.`)
}
if (existsSync(path.join(root, 'dist/dashboard-ui/app.js'))) pass('dist/dashboard-ui: the dashboard UI is built')

// 1. publint
section('publint --strict')
const publint = bin('publint')
if (publint === null) fail('publint is not installed (devDependency); run npm install.')
else {
  const result = run(publint, ['--strict'])
  if (result.status === 0) pass('no issues')
  else fail(`publint reported problems:\n${indent(output(result))}`)
}

// 2. arethetypeswrong
section('attw --pack .')
const attw = bin('attw')
if (attw === null) fail('@arethetypeswrong/cli is not installed (devDependency); run npm install.')
else {
  // Every profile: node10 (subpaths through typesVersions), node16 from CJS and ESM, bundler.
  const result = run(attw, ['--pack', '.', '--format', 'table-flipped', '--no-color'])
  if (result.status === 0) pass('types resolve for ESM and CommonJS consumers')
  else fail(`attw reported problems:\n${indent(output(result))}`)
}

// 3. Load every entry both ways, by the package's own name.
section('import() and require() of every entry')
for (const [subpath] of entries) {
  const specifier = subpath === '.' ? pkg.name : `${pkg.name}${subpath.slice(1)}`
  const required = REQUIRED_EXPORTS[subpath] ?? []
  const esm = loadExports('module', `import(${JSON.stringify(specifier)})`)
  const cjs = loadExports('commonjs', `Promise.resolve(require(${JSON.stringify(specifier)}))`)
  for (const [format, loaded] of [['ESM', esm], ['CJS', cjs]]) {
    if (loaded.error) {
      fail(`${format} ${specifier} does not load:\n${indent(loaded.error)}`)
      continue
    }
    const missing = required.filter((name) => loaded.functions[name] !== 'function')
    if (missing.length > 0) fail(`${format} ${specifier} lacks ${missing.join(', ')} (or they are not functions)`)
  }
  if (!esm.error && !cjs.error) {
    const onlyEsm = esm.names.filter((name) => !cjs.names.includes(name))
    const onlyCjs = cjs.names.filter((name) => !esm.names.includes(name))
    if (onlyEsm.length > 0 || onlyCjs.length > 0) {
      fail(`${specifier}: ESM and CJS export different names (only ESM: ${onlyEsm.join(', ') || '-'}; only CJS: ${onlyCjs.join(', ') || '-'})`)
    } else {
      const checked = required.length === 0 ? '' : `, ${required.join(', ')} ${required.length === 1 ? 'is a function' : 'are functions'}`
      pass(`${specifier}: loads as ESM and CJS, ${esm.names.length} export${esm.names.length === 1 ? '' : 's'}${checked}`)
    }
  }
}

section('classes shared between entries')
for (const [a, b, name] of SHARED_CLASSES) {
  const [first, second] = [a, b].map((subpath) => JSON.stringify(subpath === '.' ? pkg.name : `${pkg.name}${subpath.slice(1)}`))
  const checks = [
    ['ESM', 'module', `Promise.all([import(${first}), import(${second})])`],
    ['CJS', 'commonjs', `Promise.resolve([require(${first}), require(${second})])`],
  ]
  for (const [format, inputType, load] of checks) {
    const script = `${load}.then(([x, y]) => process.exit(typeof x[${JSON.stringify(name)}] === 'function' && x[${JSON.stringify(name)}] === y[${JSON.stringify(name)}] ? 0 : 3), (error) => { console.error(error && error.stack || String(error)); process.exit(1) })`
    const result = run(process.execPath, ['--input-type', inputType, '--eval', script])
    if (result.status === 0) pass(`${format}: ${name} from ${first} and ${second} is one class`)
    else if (result.status === 3) fail(`${format}: ${name} from ${first} and ${second} are different classes; instanceof fails across entries`)
    else fail(`${format}: could not load ${first} and ${second}:\n${indent(output(result))}`)
  }
}

// 3b. The built package does its job both ways: a relay on SQLite (which loads the optional
// better-sqlite3 peer at run time) migrates, takes an endpoint and a message, and stops.
section('a relay runs from the built package')
{
  const body = `
    const relay = hr.createRelay({ storage: hr.sqliteStorage({ filename: ':memory:' }) })
    await relay.start({ workers: false })
    await relay.endpoints.create({ url: 'https://example.com/hook' })
    const sent = await relay.send({ type: 'package.checked', data: {} })
    await relay.stop()
    if (sent.deliveryIds.length !== 1) throw new Error('expected one delivery')`
  const checks = [
    ['ESM', 'module', `const hr = await import(${JSON.stringify(pkg.name)});${body}`],
    ['CJS', 'commonjs', `(async () => { const hr = require(${JSON.stringify(pkg.name)});${body} })().catch((e) => { console.error(e && e.stack || String(e)); process.exit(1) })`],
  ]
  for (const [format, inputType, script] of checks) {
    const result = run(process.execPath, ['--input-type', inputType, '--eval', script])
    if (result.status === 0) pass(`${format}: createRelay + sqliteStorage migrate, send and stop`)
    else fail(`${format}: a relay on SQLite does not run from dist/:\n${indent(output(result))}`)
  }
}

// 4. hookrelay/signing stays dependency-free.
section('runtime dependencies of dependency-free entries')
for (const subpath of DEPENDENCY_FREE) {
  const [, conditions] = entries.find(([name]) => name === subpath) ?? []
  if (!conditions) {
    fail(`${subpath} is not in the exports map`)
    continue
  }
  for (const target of collectTargets(conditions).filter((file) => /\.(c|m)?js$/.test(file))) {
    const foreign = [...staticImports(path.join(root, target))].filter((specifier) => !isBuiltin(specifier))
    if (foreign.length > 0) fail(`${target} (via its chunks) imports ${foreign.join(', ')}; ${pkg.name}${subpath.slice(1)} must only use Node built-ins`)
    else pass(`${target} and its chunks import only Node built-ins`)
  }
}

finish()

function finish() {
  if (failures.length > 0) {
    console.error(`\ncheck-package: ${failures.length} problem${failures.length === 1 ? '' : 's'}.`)
    process.exit(1)
  }
  console.log('\ncheck-package: all good.')
  process.exit(0)
}

/** Loads `expression` in a child process run in the repo root; reports export names and their types. */
function loadExports(inputType, expression) {
  const script = `
    ${expression}.then((mod) => {
      const names = Object.keys(mod).filter((name) => name !== 'default' && name !== '__esModule' && name !== 'module.exports').sort()
      const functions = Object.fromEntries(names.map((name) => [name, typeof mod[name]]))
      process.stdout.write(JSON.stringify({ names, functions }))
    }, (error) => { console.error(error && error.stack || String(error)); process.exit(1) })`
  const result = run(process.execPath, ['--input-type', inputType, '--eval', script])
  if (result.status !== 0) return { error: output(result) || `exit code ${result.status}` }
  try {
    return JSON.parse(result.stdout)
  } catch {
    return { error: `unexpected output: ${result.stdout}` }
  }
}

/** Every file path in an exports-map value (conditions nest). */
function collectTargets(value) {
  if (typeof value === 'string') return [value]
  if (Array.isArray(value)) return value.flatMap(collectTargets)
  if (value && typeof value === 'object') return Object.values(value).flatMap(collectTargets)
  return []
}

/** The bare specifiers a built file imports, following its relative imports (chunks). */
function staticImports(file, seen = new Set(), found = new Set()) {
  if (seen.has(file)) return found
  seen.add(file)
  const source = readFileSync(file, 'utf8')
  const pattern = /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)["']([^"']+)["']/g
  for (const match of source.matchAll(pattern)) {
    const specifier = match[1]
    if (specifier.startsWith('.')) staticImports(path.resolve(path.dirname(file), specifier), seen, found)
    else found.add(specifier)
  }
  return found
}

function isBuiltin(specifier) {
  const name = specifier.startsWith('node:') ? specifier.slice(5) : specifier
  return builtinModules.includes(name.split('/')[0]) || builtinModules.includes(name)
}

function indent(text) {
  return text
    .split('\n')
    .map((line) => `      ${line}`)
    .join('\n')
}
