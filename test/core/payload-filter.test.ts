import fc from 'fast-check'
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { filterToJsonPath, matchesFilter, parseFilter, type FilterNode, type PayloadFilter } from '../../src/core/filters/index.js'
import { POSTGRES_URL } from '../support/urls.js'

const SEED = { seed: 1414, numRuns: 400 }

const keys = fc.constantFrom('a', 'b', 'c')
const strings = fc.constantFrom('', 'a', 'b', 'B', '10', '9', 'é', 'ｚ', '😀', 'a"b', 'line\nbreak')
const numbers = fc.oneof(fc.integer({ min: -3, max: 12 }), fc.constantFrom(0.5, -0, 1e21, 2.5e-7))
const scalars = fc.oneof(strings, numbers, fc.boolean(), fc.constant(null))

/** Payloads over a few keys, with arrays (also of arrays) where filters must step through them. */
const documents: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { arbitrary: scalars, weight: 2 },
    { arbitrary: tie('object'), weight: 1 },
    { arbitrary: tie('array'), weight: 2 },
  ),
  object: fc.dictionary(keys, tie('value'), { maxKeys: 3 }),
  array: fc.array(tie('value'), { maxLength: 3 }),
})).object

const paths = fc.oneof(keys, fc.array(keys, { minLength: 1, maxLength: 3 }).map((segments) => segments.join('.')))
const operators = fc.oneof(
  scalars,
  fc.record({ $eq: scalars }),
  fc.record({ $ne: scalars }),
  fc.record({ $gt: fc.oneof(strings, numbers) }),
  fc.record({ $gte: fc.oneof(strings, numbers) }),
  fc.record({ $lt: fc.oneof(strings, numbers) }),
  fc.record({ $lte: fc.oneof(strings, numbers) }),
  fc.record({ $in: fc.array(scalars, { minLength: 1, maxLength: 3 }) }),
  fc.record({ $nin: fc.array(scalars, { minLength: 1, maxLength: 3 }) }),
  fc.record({ $exists: fc.boolean() }),
  fc.record({ $gte: numbers, $lt: numbers }),
)
const filters: fc.Arbitrary<PayloadFilter> = fc.letrec((tie) => ({
  filter: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.dictionary(paths, operators, { minKeys: 1, maxKeys: 2 }),
    fc.record({ $or: fc.array(tie('filter'), { minLength: 1, maxLength: 3 }) }),
    fc.record({ $and: fc.array(tie('filter'), { minLength: 1, maxLength: 3 }) }),
    fc.record({ a: tie('filter') }),
  ),
})).filter as fc.Arbitrary<PayloadFilter>

function compile(filter: PayloadFilter): FilterNode {
  const { node, issues } = parseFilter(filter)
  if (!node) throw new Error(`generated filter refused: ${JSON.stringify(issues)}`)
  return node
}

const payloadOf = (data: unknown) => ({ type: 'order.created', timestamp: '2030-01-01T00:00:00.000Z', data })

describe('payload filters: the evaluator', () => {
  it('matches the documented examples', () => {
    const payload = payloadOf({ amount: 150, currency: 'EUR', customer: { country: 'FR', tags: ['vip', 'beta'] }, items: [{ sku: 'A1' }, { sku: 'B2' }] })
    const holds = (filter: PayloadFilter) => matchesFilter(compile(filter), payload)
    expect(holds({ 'data.amount': { $gte: 100 } })).toBe(true)
    expect(holds({ 'data.amount': { $gt: 150 } })).toBe(false)
    expect(holds({ 'data.currency': { $in: ['EUR', 'USD'] } })).toBe(true)
    expect(holds({ 'data.currency': { $nin: ['EUR'] } })).toBe(false)
    expect(holds({ data: { customer: { country: 'FR' } } })).toBe(true)
    expect(holds({ 'data.customer.tags': 'vip' })).toBe(true)
    expect(holds({ 'data.items.sku': 'B2' })).toBe(true)
    expect(holds({ 'data.items.sku': { $ne: 'B2' } })).toBe(false)
    expect(holds({ 'data.refund': { $exists: false } })).toBe(true)
    expect(holds({ type: 'order.created', 'data.amount': { $gte: 100, $lt: 200 } })).toBe(true)
    expect(holds({ $or: [{ 'data.currency': 'USD' }, { 'data.customer.country': 'FR' }] })).toBe(true)
    expect(holds({ $and: [{ 'data.currency': 'USD' }, { 'data.customer.country': 'FR' }] })).toBe(false)
    expect(holds({ 'data.amount': '150' })).toBe(false) // another JSON type never equals
    expect(holds({})).toBe(true)
  })

  it('$ne, $nin and $exists: false are the negations of $eq, $in and $exists: true', () => {
    fc.assert(
      fc.property(documents, paths, scalars, fc.array(scalars, { minLength: 1, maxLength: 3 }), (document, path, value, list) => {
        const holds = (filter: PayloadFilter) => matchesFilter(compile(filter), document)
        expect(holds({ [path]: { $ne: value } })).toBe(!holds({ [path]: { $eq: value } }))
        expect(holds({ [path]: { $nin: list } })).toBe(!holds({ [path]: { $in: list } }))
        expect(holds({ [path]: { $exists: false } })).toBe(!holds({ [path]: { $exists: true } }))
        expect(holds({ [path]: { $in: list } })).toBe(list.some((v) => holds({ [path]: v })))
      }),
      SEED,
    )
  })

  it('$or is any, $and is every, entries are ANDed, and nested objects equal dotted paths', () => {
    fc.assert(
      fc.property(documents, fc.array(filters, { minLength: 1, maxLength: 3 }), paths, operators, (document, branches, path, test) => {
        const holds = (filter: PayloadFilter) => matchesFilter(compile(filter), document)
        expect(holds({ $or: branches })).toBe(branches.some(holds))
        expect(holds({ $and: branches })).toBe(branches.every(holds))
        expect(holds({ $and: [...branches].reverse() })).toBe(holds({ $and: branches }))
        const nested = path.split('.').reduceRight<PayloadFilter[string]>((inner, key) => ({ [key]: inner }), test)
        expect(holds(nested as PayloadFilter)).toBe(holds({ [path]: test }))
      }),
      SEED,
    )
  })

  it('never throws on arbitrary JSON: it parses or lists issues, each with a path', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (filter, document) => {
        const result = parseFilter(filter)
        if (result.node) expect(typeof matchesFilter(result.node, document)).toBe('boolean')
        else for (const issue of result.issues) expect(Array.isArray(issue.path) && issue.message.length > 0).toBe(true)
      }),
      SEED,
    )
  })

  it('points at the bad operator or value and says what to write instead', () => {
    const issues = (filter: unknown) => parseFilter(filter).issues.map((i) => [i.path.join('.'), i.message])
    expect(issues({ 'data.amount': { $gtt: 5 } })).toEqual([['data.amount.$gtt', expect.stringContaining('unknown operator $gtt')]])
    expect(issues({ $or: [{ a: 1 }, 'x'] })).toEqual([['$or.1', 'must be a filter object']])
    expect(issues({ $or: [] })).toEqual([['$or', expect.stringContaining('non-empty list')]])
    expect(issues({ 'data.tags': ['a', 'b'] })).toEqual([['data.tags', expect.stringContaining('$in')]])
    expect(issues({ 'data..x': 1 })).toEqual([['data..x', expect.stringContaining('single dots')]])
    expect(issues({ data: { amount: { $gte: true } } })).toEqual([['data.amount.$gte', expect.stringContaining('number or a string')]])
    expect(issues({ a: { $in: 'x' } })[0]![0]).toBe('a.$in')
    expect(issues({ a: { $exists: 1 } })[0]![0]).toBe('a.$exists')
    expect(issues({ a: { $eq: 1, b: 2 } })[0]).toEqual(['a', expect.stringContaining('mixes operators')])
    expect(issues({ $where: 'x' })[0]![0]).toBe('$where')
    expect(issues([])[0]![1]).toContain('must be an object')
  })
})

describe.skipIf(process.env.SKIP_POSTGRES === '1')('payload filters: Postgres jsonpath routes exactly as the evaluator', () => {
  const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 1 })
  afterAll(() => pool.end())

  it('agrees with matchesFilter on generated filters and payloads (arrays, types, code-point order)', async () => {
    const cases = fc.sample(fc.tuple(filters, documents), { seed: 1414, numRuns: 3000 })
    const nodes = cases.map(([filter]) => compile(filter))
    // The generated document stands for the whole payload, so generated paths reach into it.
    const docs = cases.map(([, document]) => JSON.stringify(document))
    const { rows } = await pool.query<{ matched: boolean }>(
      'select jsonb_path_exists(d::jsonb, p::jsonpath) as matched from unnest($1::text[], $2::text[]) with ordinality as t(d, p, n) order by n',
      [docs, nodes.map(filterToJsonPath)],
    )
    const disagreements = cases.flatMap(([filter], i) => {
      const js = matchesFilter(nodes[i]!, JSON.parse(docs[i]!))
      return js === rows[i]!.matched ? [] : [{ filter, payload: docs[i], js, postgres: rows[i]!.matched, path: filterToJsonPath(nodes[i]!) }]
    })
    expect(disagreements.slice(0, 3)).toEqual([])
    // The sample exercises both answers, not a constant one.
    expect(new Set(rows.map((r) => r.matched)).size).toBe(2)
  })
})
