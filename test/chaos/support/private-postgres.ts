import { execFile } from 'node:child_process'
import { chmod, chown, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir, userInfo } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import pg from 'pg'
import { freePort } from '../../fleet/support/private-redis.js'
import { toolPath } from './services.js'

const run = promisify(execFile)

/**
 * A PostgreSQL server of a test's own (initdb into a temp dir, pg_ctl on a free port), so a test
 * can restart or crash it without disturbing the shared server. Root cannot run postgres, so as
 * root the server runs as the `postgres` user.
 */
export interface PrivatePostgres {
  readonly port: number
  readonly url: string
  /** `pg_ctl restart`: `fast` disconnects clients cleanly, `immediate` is a crash (recovery on start). */
  restart(mode: 'fast' | 'immediate'): Promise<void>
  stop(mode?: 'fast' | 'immediate'): Promise<void>
  start(): Promise<void>
  /** Stops it for good and removes its directory. */
  close(): Promise<void>
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const initdb = toolPath('initdb')
  const pgCtl = toolPath('pg_ctl')
  if (!initdb || !pgCtl) throw new Error('initdb and pg_ctl are needed for a private PostgreSQL')
  const port = await freePort()
  const dir = await mkdtemp(join(tmpdir(), 'hookrelay-pg-'))
  const data = join(dir, 'data')
  const asRoot = userInfo().uid === 0
  if (asRoot) {
    await chown(dir, Number((await run('id', ['-u', 'postgres'])).stdout.trim()), Number((await run('id', ['-g', 'postgres'])).stdout.trim()))
    await chmod(dir, 0o700)
  }
  const exec = (file: string, args: string[]) => (asRoot ? run('runuser', ['-u', 'postgres', '--', file, ...args]) : run(file, args))

  await exec(initdb, ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8'])
  // Small and fast: no fsync (a crash of this server is simulated, not of the machine). Commits stay
  // synchronous: with synchronous_commit=off a crash-restart forgets commits that send() reported.
  const serverOptions = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c shared_buffers=16MB -c max_connections=40`
  const ctl = (args: string[]) => exec(pgCtl, ['-D', data, '-w', '-t', '60', ...args])
  const start = async () => {
    await ctl(['-o', serverOptions, '-l', join(dir, 'log'), 'start'])
  }
  await start()
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  await client.end()
  return {
    port,
    url,
    async restart(mode) {
      await ctl(['-m', mode, '-o', serverOptions, '-l', join(dir, 'log'), 'restart'])
    },
    async stop(mode = 'fast') {
      await ctl(['-m', mode, 'stop'])
    },
    start,
    async close() {
      await ctl(['-m', 'immediate', 'stop']).catch(() => undefined)
      await rm(dir, { recursive: true, force: true })
    },
  }
}
