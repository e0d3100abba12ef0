import type { Refusal } from './receiver-answers.js'
import type { Checked } from './receiver-checks.js'

/** Where a chain of checks ended: refused by a step, or passed with the last step's output. */
export type ChainVerdict<T> = { refusal: Refusal; value?: undefined } | { refusal?: undefined; value: T }

/**
 * The receiver's checks composed in order: each step gets the previous step's output and returns
 * a refusal or its own output; the first refusal ends the chain and later steps do not run.
 *
 * @example
 * const { refusal, value } = check(request).then(checkShape).then((r) => checkSize(r, 1024)).verdict
 */
export class CheckChain<T> {
  readonly verdict: ChainVerdict<T>

  constructor(verdict: ChainVerdict<T>) {
    this.verdict = verdict
  }

  then<U>(step: (input: T) => Checked<U>): CheckChain<U> {
    const { refusal, value } = this.verdict
    if (refusal) return new CheckChain<U>({ refusal })
    const next = step(value)
    return new CheckChain<U>(next.refusal ? { refusal: next.refusal } : { value: next })
  }
}

/** Starts a chain of checks on `input` (taken as it is: the first step checks its shape). */
export function check<T>(input: T): CheckChain<T> {
  return new CheckChain<T>({ value: input })
}
