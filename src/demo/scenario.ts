import type { Backend } from './backend.js'
import type { Cleanup } from './util.js'
import type { View } from './view.js'

export interface DemoSettings {
  /** Events in the campaign blast. */
  events: number
  /** Endpoints in the campaign blast. */
  endpoints: number
}

/** What a scenario gets: where to store, where to print, where to register its cleanup. */
export interface ScenarioContext {
  backend: Backend
  view: View
  cleanup: Cleanup
  settings: DemoSettings
}

export interface Scenario {
  /** For `--only`. */
  key: string
  title: string
  /** One or two sentences: what the scenario shows. */
  lead: string | ((settings: DemoSettings) => string)
  /** Runs, printing as it goes; throws a DemoAssertionError when hookrelay misbehaves. Resolves to the summary's one-liner. */
  run(context: ScenarioContext): Promise<string>
}
