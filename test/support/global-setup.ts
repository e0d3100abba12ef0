import type {} from 'vitest'
import type { TestProject } from 'vitest/node'
import { reachable } from './reachable.js'
import { MYSQL_URL, POSTGRES_URL, REDIS_URL } from './urls.js'

declare module 'vitest' {
  export interface ProvidedContext {
    postgresAvailable: boolean
    redisAvailable: boolean
    mysqlAvailable: boolean
  }
}

/**
 * Looks for the real Postgres, Redis and MariaDB/MySQL the suites talk to. Where one is down the suites that
 * need it skip, loudly; under CI=true a missing service fails the run instead.
 */
export default async function setup(project: TestProject): Promise<void> {
  const [postgres, redis, mysql] = await Promise.all([reachable(POSTGRES_URL), reachable(REDIS_URL), reachable(MYSQL_URL)])
  const missing = [
    !postgres && `PostgreSQL at ${POSTGRES_URL} (set POSTGRES_URL)`,
    !redis && `Redis at ${REDIS_URL} (set REDIS_URL)`,
    !mysql && `MySQL/MariaDB at ${MYSQL_URL} (set MYSQL_URL)`,
  ].filter(Boolean)
  if (missing.length > 0) {
    const line = `hookrelay tests: cannot reach ${missing.join(' and ')}.`
    if (process.env.CI === 'true') throw new Error(`${line} CI=true requires every service.`)
    console.warn(`\n${'!'.repeat(78)}\n!! ${line}\n!! The suites that need it are SKIPPED. Start the service to run them.\n${'!'.repeat(78)}\n`)
  }
  project.provide('postgresAvailable', postgres)
  project.provide('redisAvailable', redis)
  project.provide('mysqlAvailable', mysql)
}
