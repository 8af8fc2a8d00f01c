/**
 * A Port over a WebSocket: a DOM `WebSocket` in a page, or a `ws` socket in Node (both have
 * addEventListener/send/close and the same readyState numbers). The protocol and codec are the same as over a
 * MessagePort; only the framing differs: each envelope travels as one text message, serialized with superjson,
 * because JSON alone would turn the Dates, Maps, Sets, BigInts and undefineds of the fast path into something
 * else.
 *
 * The peer is untrusted, as everywhere: an incoming message longer than `maxMessageBytes` is refused before it
 * is parsed, and the socket is closed with 1009 ("message too big"), which ends every call on it. A message
 * that does not parse is passed on as `null`, which the host answers with a protocol error.
 */
import SuperJSON from 'superjson'
import { DEFAULT_LIMITS } from './limits.js'
import type { Port } from './port.js'
import type { Envelope } from './protocol.js'

/** The WebSocket surface used: DOM `WebSocket` and `ws`'s `WebSocket` both fit. */
export interface WebSocketLike {
  readonly readyState: number
  send(data: string): void
  close(code?: number, reason?: string): void
  addEventListener(type: 'open' | 'close' | 'error', listener: () => void): void
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void
  removeEventListener(type: 'open' | 'close' | 'error', listener: () => void): void
  removeEventListener(type: 'message', listener: (event: { data: unknown }) => void): void
}

export interface WebSocketPortOptions {
  /** Refuse incoming messages longer than this many bytes (UTF-8). Default `DEFAULT_LIMITS.maxMessageBytes`. */
  maxMessageBytes?: number
  /** Told why the adapter closed the socket or dropped a message. Default `console.warn`. */
  onError?: (message: string) => void
}

const CONNECTING = 0
const OPEN = 1

// superjson carries typed arrays but turns a bare ArrayBuffer or DataView into {}: teach this instance both.
const wire = new SuperJSON()
const toBase64 = (bytes: Uint8Array) => {
  let s = ''
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  return btoa(s)
}
const fromBase64 = (s: string) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0))
wire.registerCustom<ArrayBuffer, string>(
  {
    isApplicable: (v): v is ArrayBuffer => v instanceof ArrayBuffer,
    serialize: (v) => toBase64(new Uint8Array(v)),
    deserialize: (s) => fromBase64(s).buffer as ArrayBuffer,
  },
  'sluice:ArrayBuffer',
)
wire.registerCustom<DataView, string>(
  {
    isApplicable: (v): v is DataView => v instanceof DataView,
    serialize: (v) => toBase64(new Uint8Array(v.buffer, v.byteOffset, v.byteLength)),
    deserialize: (s) => new DataView(fromBase64(s).buffer as ArrayBuffer),
  },
  'sluice:DataView',
)

const encoder = new TextEncoder()

/** UTF-8 length of `s`, computed only when the cheap bounds (1 to 3 bytes per UTF-16 unit) cannot decide. */
function exceeds(s: string, max: number): boolean {
  if (s.length > max) return true
  if (s.length * 3 <= max) return false
  return encoder.encode(s).length > max
}

/**
 * Process: Main or Renderer (any side: a Node host with `ws`, a page with the DOM `WebSocket`).
 * A sluice Port over a WebSocket: `host.connect(webSocketPort(ws))` on the server,
 * `createClient<Api>(webSocketPort(new WebSocket(url)))` in the page. Same protocol and codec as over a
 * MessagePort; each envelope is one superjson text message. Sends made before the socket opens wait for it.
 * An incoming message over `maxMessageBytes` (default `DEFAULT_LIMITS.maxMessageBytes`) is refused before it
 * is parsed and the socket is closed with 1009; a message that does not parse is answered with a protocol error.
 * @see sluice/docs/web-mode.md#websocketport
 */
export function webSocketPort(ws: WebSocketLike, options: WebSocketPortOptions = {}): Port {
  const maxBytes = options.maxMessageBytes ?? DEFAULT_LIMITS.maxMessageBytes
  const report = options.onError ?? ((m: string) => console.warn(m))
  let queue: string[] | undefined = ws.readyState === CONNECTING ? [] : undefined
  let closed = false
  let onMessage: ((event: { data: unknown }) => void) | undefined
  let onClose: (() => void) | undefined

  // Sends wait in the queue until the socket opens; the listener is there from the start, not from listen().
  const onOpen = () => {
    const q = queue
    queue = undefined
    if (q !== undefined && !closed) for (const text of q) ws.send(text)
  }
  if (queue !== undefined) ws.addEventListener('open', onOpen)
  // A `ws` socket throws an 'error' that nobody listens to; the 'close' that follows is what ends the port.
  const onError = () => {}
  ws.addEventListener('error', onError)

  return {
    post(envelope: Envelope) {
      if (closed) return
      const text = wire.stringify(envelope)
      if (queue !== undefined) queue.push(text)
      else if (ws.readyState === OPEN) ws.send(text)
      // CLOSING or CLOSED: a send on a dead port is a no-op, as postMessage on a closed MessagePort is.
    },
    listen(message, close) {
      onMessage = (event) => {
        if (closed) return
        const data = event.data
        if (typeof data !== 'string') {
          report('sluice: webSocketPort: a binary message arrived; sluice sends text only. It was dropped.')
          return message(null)
        }
        if (exceeds(data, maxBytes)) {
          report(`sluice: webSocketPort: a message of more than ${maxBytes} bytes arrived (limits.maxMessageBytes); closing the socket`)
          ws.close(1009, 'sluice: message too big')
          return
        }
        let envelope: unknown
        try {
          envelope = wire.parse(data)
        } catch {
          envelope = null
        }
        message(envelope)
      }
      onClose = () => {
        if (closed) return
        closed = true
        queue = undefined
        close()
      }
      ws.addEventListener('message', onMessage)
      ws.addEventListener('close', onClose)
    },
    close() {
      if (!closed) {
        closed = true
        queue = undefined
      }
      if (onMessage) ws.removeEventListener('message', onMessage)
      if (onClose) ws.removeEventListener('close', onClose)
      ws.removeEventListener('open', onOpen)
      ws.removeEventListener('error', onError)
      try {
        ws.close(1000, 'sluice: closed')
      } catch {
        // Already closed.
      }
    },
  }
}
