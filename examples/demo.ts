/**
 * `npm run demo`: the demo, from this clone's sources (the installed package runs the same with
 * `npx hookrelay demo`). Options after `--`, e.g. `npm run demo -- --keep`; `npm run demo -- --help`.
 * The demo itself lives in src/demo/.
 */
import { runDemo } from '../src/demo/main.js'

runDemo(process.argv.slice(2), { run: 'npm run demo --', guide: 'docs/getting-started.md' })
  .then((code) => {
    process.exitCode = code
  })
  .catch((error: unknown) => {
    console.error(error)
    process.exitCode = 1
  })
  .finally(() => {
    // Everything was closed; if some handle still keeps the process alive, do not hang.
    setTimeout(() => {
      console.error('(something kept the process alive after cleanup; exiting)')
      process.exit(process.exitCode ?? 0)
    }, 5_000).unref()
  })
