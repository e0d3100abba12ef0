/**
 * The operational webhook's endpoint: a system endpoint hookrelay keeps for the relay's own
 * notifications (`endpoint.failing`, `endpoint.disabled`, `endpoint.recovered`). Its tenant keeps
 * it out of endpoint lists unless asked for (`list({ tenant: OPERATIONAL_TENANT })`), and its
 * event-type filter is no valid event type, so fan-out never routes a user message to it; the
 * relay addresses it by id.
 */
export const OPERATIONAL_TENANT = '$hookrelay'

/** A fixed id, so processes starting together converge on one endpoint instead of racing to create several. */
export const OPERATIONAL_ENDPOINT_ID = `ep_${'0'.repeat(26)}`

/** Matches no event type (`:` is not allowed in one). */
export const OPERATIONAL_EVENT_FILTER = 'hookrelay:operational'
