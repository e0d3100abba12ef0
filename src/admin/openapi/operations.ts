import type { z } from 'zod'
import { endpointInputSchema, endpointUpdateSchema } from '../../outbound/endpoint-input.js'
import { sendTestOptionsSchema } from '../../outbound/send-test.js'
import * as requests from '../admin-schemas.js'
import * as responses from './response-schemas.js'

/** How one admin route is documented: what it takes and what it answers. */
export interface OperationDoc {
  summary: string
  tag: 'health' | 'endpoints' | 'messages' | 'deliveries' | 'dead letters' | 'inbound' | 'catalog'
  /** A zod object of the query parameters. */
  query?: z.ZodObject
  /** The JSON body, when the route takes one. */
  body?: z.ZodType
  /** The success status and its body (none for 204). */
  status: number
  response?: z.ZodType
}

/**
 * The admin API's routes, documented. Keyed like `ADMIN_ROUTES` (`METHOD /pattern`); the OpenAPI
 * document is built from the router's list, so a route missing here fails the document (and its spec).
 */
export const OPERATIONS: Readonly<Record<string, OperationDoc>> = {
  'GET /health': { tag: 'health', summary: 'Checks that the storage answers', status: 200, response: responses.health },
  'GET /stats': { tag: 'health', summary: 'Relay-wide counts, success rate, latency and lag', query: requests.statsQuery, status: 200, response: responses.relayStats },
  'GET /catalog': {
    tag: 'catalog',
    summary: 'The event catalog: each type with description, examples and JSON Schema',
    status: 200,
    response: responses.page(responses.catalogEntry),
  },
  'GET /openapi.json': { tag: 'health', summary: 'This document (OpenAPI 3.1)', status: 200 },

  'GET /endpoints': { tag: 'endpoints', summary: 'Lists endpoints, newest first', query: requests.endpointListQuery, status: 200, response: responses.page(responses.endpoint) },
  'POST /endpoints': {
    tag: 'endpoints',
    summary: 'Creates an endpoint and answers it with its signing secret (201); with a uid its tenant already has, answers that endpoint unchanged (200, created: false)',
    body: endpointInputSchema,
    status: 201,
    response: responses.createdEndpoint,
  },
  'PUT /endpoints': {
    tag: 'endpoints',
    summary: 'Creates (201) or brings in line (200) the endpoint with this uid in its tenant',
    body: endpointInputSchema,
    status: 200,
    response: responses.upsertedEndpoint,
  },
  'GET /endpoints/:id': {
    tag: 'endpoints',
    summary: 'One endpoint by id, or by uid within ?tenant= (never its secret)',
    query: requests.endpointGetQuery,
    status: 200,
    response: responses.endpoint,
  },
  'PATCH /endpoints/:id': { tag: 'endpoints', summary: 'Changes the given fields; null clears one', body: endpointUpdateSchema, status: 200, response: responses.endpoint },
  'DELETE /endpoints/:id': { tag: 'endpoints', summary: 'Deletes an endpoint (its history stays until retention)', status: 204 },
  'POST /endpoints/:id/disable': { tag: 'endpoints', summary: 'Stops deliveries to an endpoint', body: requests.disableBody, status: 200, response: responses.endpoint },
  'POST /endpoints/:id/enable': { tag: 'endpoints', summary: 'Resumes deliveries to a disabled endpoint', status: 200, response: responses.endpoint },
  'POST /endpoints/:id/rotate-secret': {
    tag: 'endpoints',
    summary: 'Replaces the signing secret; the old one keeps signing for keepOldFor',
    body: requests.rotateSecretBody,
    status: 200,
    response: responses.endpointWithSecret,
  },
  'GET /endpoints/:id/secret': { tag: 'endpoints', summary: 'The current signing secret', status: 200, response: responses.secret },
  'GET /endpoints/:id/headers': { tag: 'endpoints', summary: 'The custom headers with their values in clear', status: 200, response: responses.headers },
  'GET /endpoints/:id/stats': { tag: 'endpoints', summary: 'Deliveries, attempts, latency, circuit and health of an endpoint', query: requests.statsQuery, status: 200, response: responses.endpointStats },
  'POST /endpoints/:id/recover': { tag: 'endpoints', summary: 'Re-queues deliveries dead-lettered since a time', body: requests.recoverBody, status: 200, response: responses.bulkResult },
  'POST /endpoints/:id/test': {
    tag: 'endpoints',
    summary: 'Sends a test message (catalog example, given payload, or webhook.test ping) to this endpoint only',
    body: sendTestOptionsSchema,
    status: 201,
    response: responses.sendTestResult,
  },

  'GET /messages/:id': { tag: 'messages', summary: 'One message with its payload and deliveries', status: 200, response: responses.message },
  'POST /messages/:id/resend': { tag: 'messages', summary: 'Sends a message again to endpoints', body: requests.resendBody, status: 201, response: responses.resendResult },
  'GET /deliveries': { tag: 'deliveries', summary: 'Lists deliveries, newest first', query: requests.deliveryListQuery, status: 200, response: responses.page(responses.delivery) },
  'GET /deliveries/:id': { tag: 'deliveries', summary: 'One delivery', status: 200, response: responses.delivery },
  'GET /attempts': { tag: 'deliveries', summary: 'Lists attempts, newest first', query: requests.attemptListQuery, status: 200, response: responses.page(responses.attempt) },

  'GET /dlq': { tag: 'dead letters', summary: 'Lists dead letters', query: requests.deadLetterListQuery, status: 200, response: responses.page(responses.delivery) },
  'POST /dlq/replay': { tag: 'dead letters', summary: 'Replays the dead letters a filter matches', body: requests.deadLetterBulkBody, status: 200, response: responses.bulkResult },
  'POST /dlq/:id/replay': { tag: 'dead letters', summary: 'Replays one dead letter', status: 200, response: responses.replayed },
  'POST /dlq/:id/discard': { tag: 'dead letters', summary: 'Discards one dead letter', status: 200, response: responses.discarded },

  'GET /inbound': { tag: 'inbound', summary: 'Lists received webhooks', query: requests.inboundListQuery, status: 200, response: responses.page(responses.inboundMessage) },
  'GET /inbound/:id': { tag: 'inbound', summary: 'One received webhook', status: 200, response: responses.inboundMessage },
  'POST /inbound/replay': { tag: 'inbound', summary: 'Replays the inbound dead letters a filter matches', body: requests.inboundBulkBody, status: 200, response: responses.bulkResult },
  'POST /inbound/:id/replay': { tag: 'inbound', summary: 'Processes one received webhook again', status: 200, response: responses.replayed },
  'POST /inbound/:id/discard': { tag: 'inbound', summary: 'Discards one inbound dead letter', status: 200, response: responses.discarded },
}
