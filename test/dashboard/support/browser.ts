import { existsSync } from 'node:fs'
import { chromium, type Browser } from 'playwright-core'

/** Debian's chromium; `CHROMIUM_PATH` points elsewhere. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

/**
 * Whether the browser specs can run. Without chromium they are skipped, loudly; under CI=true a
 * missing chromium fails the run instead (`.ci/run` installs the `chromium` package).
 */
export function browserAvailable(): boolean {
  if (existsSync(CHROMIUM_PATH)) return true
  const line = `hookrelay dashboard browser specs: no chromium at ${CHROMIUM_PATH} (apt-get install -y chromium, or set CHROMIUM_PATH).`
  if (process.env.CI === 'true') throw new Error(`${line} CI=true requires it.`)
  console.warn(`\n${'!'.repeat(78)}\n!! ${line}\n!! The browser specs are SKIPPED.\n${'!'.repeat(78)}\n`)
  return false
}

/**
 * Headless chromium with nothing that phones home. `launch()` gives it a fresh temporary profile
 * (its own `--user-data-dir`, removed on close), so no state leaks between runs.
 */
export async function launchBrowser(): Promise<{ browser: Browser; close: () => Promise<void> }> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
  return {
    browser,
    async close() {
      await browser.close()
    },
  }
}
