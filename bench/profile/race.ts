/**
 * One contender of the delivery race, alone, for a CPU profile: a warm-up run, then BENCH_ROUNDS
 * timed runs of BENCH_N deliveries, each printed with its rate and client CPU per delivery.
 *
 *   PROFILE=/tmp/sqlite.cpuprofile node --import tsx bench/profile/race.ts sqlite
 *   node --import tsx bench/profile/summarize.ts /tmp/sqlite.cpuprofile
 *
 * With PROFILE set, only the timed phases of the rounds after the warm-up are profiled (not the
 * untimed enqueue), through the inspector, and the profile is written there.
 *
 * Dialect: sqlite (default), postgres, postgres+redis, or bare (the undici loop); DELAY_MS=20 for the slow receiver.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { bareLoop } from '../contenders/bare.js'
import type { Contender } from '../contenders/contender.js'
import { hookrelayContender } from '../contenders/hookrelay.js'
import { clientCpu, PostgresServerCpu } from '../support/cpu.js'
import { deadline, env } from '../support/env.js'
import type { Dialect } from '../support/hookrelay.js'
import { startReceiver } from '../support/receiver.js'

const which = process.argv[2] ?? 'sqlite'
const receiver = await startReceiver()
const dir = mkdtempSync(join(tmpdir(), 'hookrelay-profile-'))
const contender = (): Contender => (which === 'bare' ? bareLoop : hookrelayContender(which as Dialect, dir))
const session = process.env.PROFILE ? new Session() : undefined
session?.connect()
await session?.post('Profiler.enable')
await session?.post('Profiler.setSamplingInterval', { interval: 200 })
try {
  await receiver.configure({ delayMs: Number(process.env.DELAY_MS ?? 0) })
  for (let round = 0; round <= env.rounds; round++) {
    const c = contender()
    const n = round === 0 ? env.warmup : env.n
    const prepared = await c.prepare(n, receiver.url)
    const server = c.applicationName ? new PostgresServerCpu(c.applicationName) : undefined
    await server?.start()
    await receiver.reset()
    if (round > 0) await session?.post('Profiler.start')
    const cpu = clientCpu()
    const started = performance.now()
    await prepared.start()
    await deadline(prepared.done, `${n} deliveries`)
    const seconds = (performance.now() - started) / 1000
    const micros = cpu.stop() / n
    if (round > 0 && session) {
      const { profile } = await session.post('Profiler.stop')
      writeFileSync(round === 1 ? process.env.PROFILE! : process.env.PROFILE!.replace(/(\.cpuprofile)?$/, `.${round}.cpuprofile`), JSON.stringify(profile))
    }
    const serverMicros = await server?.stop()
    const stats = await receiver.stats()
    await prepared.close()
    await server?.close()
    console.log(
      `${round === 0 ? 'warm-up' : `round ${round}`}: ${which} ${Math.round(n / seconds)} deliveries/s, client ${Math.round(micros)} µs/delivery` +
        `${serverMicros === undefined ? '' : `, server ${Math.round(serverMicros / n)} µs`}, in flight ${stats.inFlightAvg.toFixed(1)}`,
    )
  }
} finally {
  await receiver.close()
  rmSync(dir, { recursive: true, force: true })
}
