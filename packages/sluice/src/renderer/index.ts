/**
 * `sluice/renderer`: the client side. Process: Renderer (or any client: a worker, a browser page, Node).
 */
import type { PortLike } from '../shared/port.js'
import type { Client } from '../shared/types.js'
import { ClientConnection, type ClientOptions } from './client.js'
import { connectionOf, createProxy } from './proxy.js'

export type { ClientOptions } from './client.js'
export type { Client, StreamCall } from '../shared/types.js'
export { AbortError, DisconnectedError, ProtocolError, ValidationError } from '../shared/errors.js'

/**
 * Process: Renderer (any client).
 * Makes a typed client for the api served at the other end of `port`:
 * `const api = createClient<typeof import('../main/api')>(port)`.
 * @see sluice/docs/api.md#createclient
 */
export function createClient<Api>(port: PortLike, options?: ClientOptions): Client<Api> {
  return createProxy(new ClientConnection(port, options)) as Client<Api>
}

/**
 * Process: Renderer (any client).
 * Closes the client's connection: every open call and stream rejects with a `DisconnectedError`, and the host
 * cancels them (their `finally` blocks run). Idempotent.
 * @see sluice/docs/api.md#close
 */
export function close(client: unknown): void {
  connectionOf(client).close()
}
