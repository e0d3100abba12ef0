import { expect } from 'vitest'
import type { Relay } from '../../../src/index.js'
import { eventually } from '../../support/eventually.js'
import type { TestReceiver } from '../../support/receiver.js'

/** What a user checks after an outbox send: delivered after commit, or gone with the rollback. */
export function outboxChecks(relay: Relay, receiver: TestReceiver, orderExists: (id: string) => Promise<boolean> | boolean) {
  const received = (messageId: string) => receiver.requests.some((r) => r.headers['webhook-id'] === messageId)
  return {
    eventually: (check: () => void | Promise<void>) => eventually(check, 20_000),
    /** The app's write committed, and the message reached the receiver. */
    async delivered(messageId: string, orderId?: string): Promise<void> {
      if (orderId !== undefined) expect(await orderExists(orderId)).toBe(true)
      await eventually(() => expect(received(messageId)).toBe(true), 20_000)
      await eventually(async () => expect((await relay.messages.get(messageId)).deliveries.map((d) => d.status)).toEqual(['succeeded']), 20_000)
    },
    /** Neither the app's write nor the message exist: nothing can ever be delivered. */
    async neverSent(messageId: string, orderId: string): Promise<void> {
      expect(messageId).toMatch(/^msg_/)
      expect(await orderExists(orderId)).toBe(false)
      await expect(relay.messages.get(messageId)).rejects.toMatchObject({ code: 'NOT_FOUND' })
      expect((await relay.deliveries.list({ messageId })).data).toEqual([])
      expect(received(messageId)).toBe(false)
    },
  }
}
