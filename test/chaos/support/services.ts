import { existsSync, readdirSync } from 'node:fs'
import { inject } from 'vitest'

/**
 * Decides whether a chaos scenario can run here. A missing tool or service skips the scenario
 * loudly; under CI=true it fails the run instead, so CI never passes by skipping the faults.
 */
export function canRun(scenario: string, needs: { postgres?: boolean; redis?: boolean; mysql?: boolean; tools?: readonly string[] }): boolean {
  const missing: string[] = []
  if (needs.postgres && !inject('postgresAvailable')) missing.push('the shared PostgreSQL (POSTGRES_URL)')
  if (needs.redis && !inject('redisAvailable')) missing.push('the shared Redis (REDIS_URL)')
  if (needs.mysql && !inject('mysqlAvailable')) missing.push('the shared MariaDB/MySQL (MYSQL_URL)')
  for (const tool of needs.tools ?? []) if (!toolPath(tool)) missing.push(`the ${tool} program`)
  if (missing.length === 0) return true
  const line = `chaos scenario "${scenario}" cannot run: missing ${missing.join(', ')}.`
  if (process.env.CI === 'true') throw new Error(`${line} CI=true requires every fault scenario to run.`)
  console.warn(`\n${'!'.repeat(78)}\n!! ${line}\n!! It is SKIPPED.\n${'!'.repeat(78)}\n`)
  return false
}

/** Where a server program lives: PATH for redis-server, the versioned PostgreSQL bin dir for initdb/pg_ctl. */
export function toolPath(tool: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir && existsSync(`${dir}/${tool}`)) return `${dir}/${tool}`
  }
  const root = '/usr/lib/postgresql'
  if (existsSync(root)) {
    const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a))
    for (const version of versions) if (existsSync(`${root}/${version}/bin/${tool}`)) return `${root}/${version}/bin/${tool}`
  }
  return null
}

/** One line of figures per scenario, collected from the run's output into docs/reliability.md. */
export function reportFigures(scenario: string, figures: Record<string, unknown>): void {
  console.info(`[chaos figures] ${scenario}: ${JSON.stringify(figures)}`)
}
