/**
 * Event types are dot-separated names such as `order.created` or `invoice.payment.failed`.
 * Segments use letters, digits, `_` and `-`.
 */
export const EVENT_TYPE_PATTERN = /^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*$/

/**
 * A filter is an exact type, `*` (everything), or a prefix wildcard such as `order.*`
 * which matches `order.created` and `order.item.added` but not `order` itself.
 */
export const EVENT_FILTER_PATTERN = /^(?:\*|[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*(?:\.\*)?)$/

/** Does `type` match any of `filters`? An empty or absent filter list matches everything. */
export function matchesEventType(type: string, filters: readonly string[] | null | undefined): boolean {
  if (!filters || filters.length === 0) return true
  for (const filter of filters) {
    if (filter === '*' || filter === type) return true
    if (filter.endsWith('.*') && type.startsWith(filter.slice(0, -1))) return true
  }
  return false
}

/**
 * Channel routing, as in Svix: an endpoint without channels receives every message;
 * an endpoint with channels receives only messages that share at least one channel.
 */
export function matchesChannels(
  endpointChannels: readonly string[] | null | undefined,
  messageChannels: readonly string[] | null | undefined,
): boolean {
  if (!endpointChannels || endpointChannels.length === 0) return true
  if (!messageChannels || messageChannels.length === 0) return false
  return messageChannels.some((c) => endpointChannels.includes(c))
}
