import { randomBytes } from 'node:crypto'
import { afterEach } from 'vitest'
import { createRelay, type Relay, type RelayOptions } from '../../../src/index.js'
import type { StorageEnvironment } from '../../support/storages.js'

/**
 * Relays for one test on a fresh set of tables in the suite's database, with short polls; every
 * relay made here is stopped after the test. `twin()` opens a second relay on the same tables,
 * as a second process of the same app would.
 */
export function useRelays(env: () => StorageEnvironment) {
  const started: Relay[] = []
  let prefix = ''

  afterEach(async () => {
    await Promise.all(started.splice(0).map((relay) => relay.stop()))
    prefix = ''
  })

  async function open(options: Partial<RelayOptions> & { workers?: boolean }, samePrefix: boolean): Promise<Relay> {
    if (!samePrefix || prefix === '') prefix = `in_${randomBytes(4).toString('hex')}_`
    const { workers, ...relayOptions } = options
    const relay = createRelay({
      storage: env().createStorage({ tablePrefix: prefix }),
      delivery: { pollInterval: '50ms' },
      network: { allowPrivate: true },
      ...relayOptions,
    })
    started.push(relay)
    await relay.start({ workers: workers ?? true })
    return relay
  }

  return {
    /** A started relay on new tables. */
    relay: (options: Partial<RelayOptions> & { workers?: boolean } = {}) => open(options, false),
    /** A started relay on the tables of the last `relay()`: another process of the same app. */
    twin: (options: Partial<RelayOptions> & { workers?: boolean } = {}) => open(options, true),
  }
}
