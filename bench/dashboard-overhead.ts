/**
 * What an open dashboard costs delivery (see bench/dashboard.ts); the budget is under 5 %.
 *
 *   npx tsx bench/dashboard-overhead.ts [messages=20000] [rounds=2]
 */
import { runDashboardBench } from './dashboard.js'

const messages = Number(process.argv[2] ?? 20_000)
const rounds = Number(process.argv[3] ?? 2)
const { figures } = await runDashboardBench(messages, rounds)
for (const f of figures) console.log(`  ${f.name}: ${f.value.toFixed(0)} vs ${f.baseline!.toFixed(0)} ${f.unit}, ratio ${f.ratio!.toFixed(3)}`)
