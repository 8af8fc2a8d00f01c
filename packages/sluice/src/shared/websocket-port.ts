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
 *
 * Unlike a MessagePort, a socket has a send buffer that a peer can refuse to empty (it stops reading), and
 * everything the host answers then piles up in this process. Stream credit bounds streams; the rest is bounded
 * here, by `bufferedAmount`: above `highWaterMark` the server stops reading from the socket, so the peer cannot
 * start new work whose answers would pile up; above `maxBufferedBytes` the socket is dropped.
 */
import SuperJSON from 'superjson'
import { DEFAULT_LIMITS } from './limits.js'
import type { Port } from './port.js'
import type { Envelope } from './protocol.js'

/** The WebSocket surface used: DOM `WebSocket` and `ws`'s `WebSocket` both fit. */
export interface WebSocketLike {
  readonly readyState: number
  /** Bytes given to send() and not yet handed to the network. */
  readonly bufferedAmount: number
  send(data: string): void
  close(code?: number, reason?: string): void
  addEventListener(type: 'open' | 'close' | 'error', listener: () => void): void
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void
  removeEventListener(type: 'open' | 'close' | 'error', listener: () => void): void
  removeEventListener(type: 'message', listener: (event: { data: unknown }) => void): void
}

/** What `ws` (Node) has beyond the DOM surface; used when present. */
interface NodeWebSocket {
  readonly url?: string
  pause(): void
  resume(): void
  terminate(): void
  send(data: string, written: (error?: Error) => void): void
}

export interface WebSocketPortOptions {
  /** Refuse incoming messages longer than this many bytes (UTF-8). Default `DEFAULT_LIMITS.maxMessageBytes`. */
  maxMessageBytes?: number
  /**
   * While more than this many bytes wait unsent (`bufferedAmount`), stop reading from the socket, so that a
   * peer that does not read cannot start new work whose answers would pile up here. Reading resumes once the
   * buffer has drained to half of it. Default 1 MiB. Applies where reading can be paused: see `pauseReading`.
   */
  highWaterMark?: number
  /**
   * Drop the socket when more than this many bytes wait unsent, and say why through `onError`: the peer is
   * not reading, and what is already under way (answers to calls already read, stream items within credit,
   * events) would otherwise grow without bound. Default `2 × maxMessageBytes`, so that one message of the
   * largest size a peer may send always fits behind a full one.
   */
  maxBufferedBytes?: number
  /**
   * Whether `highWaterMark` pauses reading. Default: true for a socket that a `ws` server accepted (it has
   * `pause()` and no `url`), false otherwise. A page's DOM WebSocket cannot pause. A client should not pause:
   * if both ends stopped reading while each waits for the other to drain, neither would ever drain.
   */
  pauseReading?: boolean
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
const NodeBuffer = (globalThis as { Buffer?: { from(s: string, encoding: 'base64'): Uint8Array } }).Buffer
const fromBase64 = (s: string): Uint8Array => {
  // Node decodes base64 natively; a page decodes atob's binary string byte by byte (no callback per byte).
  if (NodeBuffer !== undefined) {
    const b = NodeBuffer.from(s, 'base64')
    return new Uint8Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer)
  }
  const text = atob(s)
  const bytes = new Uint8Array(text.length)
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i)
  return bytes
}
wire.registerCustom<ArrayBuffer, string>(
  {
    isApplicable: (v): v is ArrayBuffer => v instanceof ArrayBuffer,
    serialize: (v) => toBase64(new Uint8Array(v)),
    deserialize: (s) => fromBase64(s).buffer as ArrayBuffer,
  },
  'sluice:ArrayBuffer',
)
// superjson writes a Uint8Array as a JSON array of numbers, 3.6 bytes of text per byte on average: binary chunks
// (file uploads, downloads, sendBinary) go as base64 instead, 1.33. Node's Buffer arrives as a Uint8Array, as
// it does over a MessagePort.
wire.registerCustom<Uint8Array, string>(
  {
    isApplicable: (v): v is Uint8Array => v instanceof Uint8Array,
    serialize: (v) => toBase64(v),
    deserialize: (s) => fromBase64(s),
  },
  'sluice:Uint8Array',
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
 * A server stops reading from a peer that leaves more than `highWaterMark` (1 MiB) unread, and drops it past
 * `maxBufferedBytes` (2 × `maxMessageBytes`).
 * @see sluice/docs/web-mode.md#websocketport
 */
export function webSocketPort(ws: WebSocketLike, options: WebSocketPortOptions = {}): Port {
  const maxBytes = options.maxMessageBytes ?? DEFAULT_LIMITS.maxMessageBytes
  const highWater = options.highWaterMark ?? 1024 * 1024
  const maxBuffered = options.maxBufferedBytes ?? 2 * maxBytes
  const report = options.onError ?? ((m: string) => console.warn(m))
  const node = ws as WebSocketLike & Partial<NodeWebSocket>
  const canPause = typeof node.pause === 'function' && typeof node.resume === 'function'
  const pauseReading = canPause && (options.pauseReading ?? node.url === undefined)
  if (!(highWater >= 0) || !(maxBuffered > 0)) {
    throw new RangeError(`sluice: webSocketPort: highWaterMark (${highWater}) must be >= 0 and maxBufferedBytes (${maxBuffered}) > 0`)
  }
  let queue: string[] | undefined = ws.readyState === CONNECTING ? [] : undefined
  // closed: nothing more is sent or delivered. ended: the listener's close() has run (at most once).
  let closed = false
  let ended = false
  let pausedByUs = false
  let onMessage: ((event: { data: unknown }) => void) | undefined
  let onClose: (() => void) | undefined

  // A browser page may close only with 1000 or 3000-4999; there the code is dropped rather than throwing.
  const closeSocket = (code: number, reason: string) => {
    try {
      ws.close(code, reason)
    } catch {
      try {
        ws.close()
      } catch {
        // Already closed.
      }
    }
  }

  // Called by `ws` once a send has been handed to the network. The last send's callback runs when the buffer
  // is empty, so a paused socket always gets here again unless the peer stops reading for good (then the
  // buffer stays under maxBufferedBytes, or the socket is dropped).
  const written = () => {
    if (pausedByUs && !closed && ws.bufferedAmount <= highWater / 2) {
      pausedByUs = false
      node.resume!()
    }
  }

  const transmit = (text: string) => {
    if (pauseReading) node.send!(text, written)
    else ws.send(text)
    const buffered = ws.bufferedAmount
    if (buffered > maxBuffered) {
      report(
        `sluice: webSocketPort: ${buffered} bytes wait unsent, over maxBufferedBytes (${maxBuffered}): the peer is not reading; dropping the socket`,
      )
      closed = true
      queue = undefined
      // The peer is not reading, so a close frame would wait behind everything else; drop the bytes now.
      if (typeof node.terminate === 'function') node.terminate()
      else closeSocket(1008, 'sluice: peer not reading')
      // End the peer now rather than when the socket's close event comes (a DOM socket waits for a handshake).
      queueMicrotask(() => onClose?.())
      return
    }
    if (pauseReading && !pausedByUs && buffered > highWater) {
      pausedByUs = true
      node.pause!()
    }
  }

  // Sends wait in the queue until the socket opens; the listener is there from the start, not from listen().
  const onOpen = () => {
    const q = queue
    queue = undefined
    if (q !== undefined) for (const text of q) if (!closed) transmit(text)
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
      else if (ws.readyState === OPEN) transmit(text)
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
          closeSocket(1009, 'sluice: message too big')
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
        closed = true
        queue = undefined
        if (ended) return
        ended = true
        close()
      }
      ws.addEventListener('message', onMessage)
      ws.addEventListener('close', onClose)
    },
    close() {
      closed = true
      queue = undefined
      // The host closed this port: it needs no close() back.
      ended = true
      if (onMessage) ws.removeEventListener('message', onMessage)
      if (onClose) ws.removeEventListener('close', onClose)
      ws.removeEventListener('open', onOpen)
      ws.removeEventListener('error', onError)
      closeSocket(1000, 'sluice: closed')
    },
  }
}
