/**
 * The sluice wire vocabulary. Types and tag constants only: no function bodies live here.
 *
 * Every postMessage carries one `Envelope`: an array of frames, in order. Batching is therefore free at the
 * framing level, and a receiver handles frames strictly in array order.
 *
 * Perspective rule: a frame is named by what its *sender* does (`call`, `ref-push`, `ref-pull`, ...). Every id in a
 * frame is chosen by the side that created the thing it names (calls by the client, refs by whoever sent them),
 * so ids never collide across directions.
 *
 * The exact semantics of each frame are in docs/protocol.md, one `###` heading per frame, in this order.
 */

/** Protocol version, carried by nothing today; bumped when a frame changes shape. */
export const PROTOCOL_VERSION = 2

/** A call id (client-chosen, unique per connection while the call is live). Positive safe integer. */
export type CallId = number

/**
 * An encoded value. `v` is the structured-clone-safe payload. When `m` is present the payload is superjson's
 * `json` and `m` its `meta`, which restores registered classes, errors and other non-clonable types.
 * When `r` is present it lists the refs (functions, promises, streams, channels) found inside, by path.
 */
export interface Encoded {
  v: unknown
  m?: unknown
  r?: RefSlot[]
}

/**
 * How a batch of stream items travels: `items[i]` is item i's payload (`Encoded.v`). Most items take the fast
 * path and need nothing else, so they go bare: a `{ v }` wrapper per item would double what structured clone
 * has to walk. `enc[i]`, present only for items that need it, holds that item's `m` and `r`.
 */
export interface Items {
  items: unknown[]
  enc?: Record<number, Omit<Encoded, 'v'>>
}

/**
 * A ref found inside an encoded value: where it sits, what kind it is, and the sender-chosen ref id. The value
 * holds `null` at that place, except for a `blob`, whose place holds its metadata (`BlobMeta` in blob.ts).
 */
export type RefSlot = [path: (string | number)[], kind: RefKind, id: number]

/** The kinds of live object that travel by reference rather than by copy. */
export type RefKind = 'function' | 'promise' | 'readable' | 'iterable' | 'channel' | 'signal' | 'blob' | 'observable'

/** A serialized error. Own enumerable properties travel in `props` (encoded, so they keep their types). */
export interface WireError {
  name: string
  message: string
  stack?: string
  cause?: WireError
  errors?: WireError[]
  props?: Encoded
  /** Set for `Abort(value)`: an expected rejection, not a bug. */
  abort?: Encoded
  /** The class name registered with `registerClass`, when the error was an instance of one. */
  cls?: string
  /** Set when a non-Error value was thrown: it is rethrown as itself. */
  value?: Encoded
}

// ---------------------------------------------------------------------------------------------------------------
// Client to host
// ---------------------------------------------------------------------------------------------------------------

/** Invoke `path` on the host's api with `args`. */
export interface CallFrame {
  t: 'call'
  id: CallId
  path: string[]
  args: Encoded
  /**
   * The credit a stream call starts with, if not the default 64: the client's initial window. When the result
   * is a stream (an async iterable at the top level), its first `w` items are granted without a `ref-pull`.
   */
  w?: number
}

/** The client no longer wants call `id`, nor the live values its result holds (its stream, if it is one). */
export interface CancelFrame {
  t: 'cancel'
  id: CallId
}

// ---------------------------------------------------------------------------------------------------------------
// Host to client
// ---------------------------------------------------------------------------------------------------------------

/**
 * Call `id` resolved with `value`. A stream call's value is an `iterable` ref at the top level (`v: null`,
 * `r: [[[], 'iterable', ref]]`): its items follow as `ref-push`, and its return value in `ref-end`.
 */
export interface ResultFrame {
  t: 'result'
  id: CallId
  value: Encoded
}

/** Call `id` failed before it answered. (A stream that fails after its result ends with `ref-end`'s `error`.) */
export interface ErrorFrame {
  t: 'error'
  id: CallId
  error: WireError
}

/** A frame could not be handled and names no live call. `frame` is the offending frame's tag, when readable. */
export interface ProtocolErrorFrame {
  t: 'protocol-error'
  message: string
  frame?: string
}

// ---------------------------------------------------------------------------------------------------------------
// Both directions: refs (callbacks, promises, streams, channels)
// ---------------------------------------------------------------------------------------------------------------

/** Invoke the function ref `ref` that the receiver sent earlier; the answer is a `ref-result` with `call`. */
export interface RefCallFrame {
  t: 'ref-call'
  ref: number
  call: number
  args: Encoded
}

/** The answer to a `ref-call`: exactly one of `value` or `error`. */
export interface RefResultFrame {
  t: 'ref-result'
  call: number
  value?: Encoded
  error?: WireError
}

/** The importer of function ref `ref` dropped it (garbage-collected or `release()`d) after receiving it `n` times. */
export interface RefReleaseFrame {
  t: 'ref-release'
  ref: number
  n: number
}

/** A promise ref settled: exactly one of `value` or `error`. */
export interface RefSettleFrame {
  t: 'ref-settle'
  ref: number
  value?: Encoded
  error?: WireError
}

/** A stream ref (readable, iterable or channel) carries `items`. */
export interface RefPushFrame extends Items {
  t: 'ref-push'
  ref: number
}

/** One byte chunk of a channel's `sendBinary()`, as is (no codec pass): counts one item and its bytes of credit. */
export interface RefBytesFrame {
  t: 'ref-bytes'
  ref: number
  bytes: Uint8Array
}

/** The receiver of a stream ref grants `n` more items; for a channel, `b` more bytes too (`n` may then be 0). */
export interface RefPullFrame {
  t: 'ref-pull'
  ref: number
  n: number
  b?: number
}

/**
 * A channel end handled the next `n` values (and byte chunks) the other end sent, in order. `v[i]` is the ack of
 * the i-th of them when it is not `undefined`, `e[i]` the error its listener threw.
 */
export interface RefAckFrame {
  t: 'ref-ack'
  ref: number
  n: number
  v?: Record<number, Encoded>
  e?: Record<number, WireError>
}

/**
 * A stream ref ended: normally (no `error`), or with `error`. Sent by either side; the other stops at once. An
 * async iterable's producer sends its return value in `value` (a generator call's `await` resolves with it).
 */
export interface RefEndFrame {
  t: 'ref-end'
  ref: number
  error?: WireError
  value?: Encoded
  /** Set when the receiver ended it (a cancel), as opposed to the producer finishing. */
  cancel?: true
}

/** A host event broadcast to subscribed clients. */
export interface EventFrame {
  t: 'event'
  name: string
  payload: Encoded
}

/** Frames about refs: either side sends them (see the perspective rule in docs/protocol.md). */
export type RefFrame = RefCallFrame | RefResultFrame | RefReleaseFrame | RefSettleFrame | RefPushFrame | RefBytesFrame | RefPullFrame | RefAckFrame | RefEndFrame

/** Frames a client sends. */
export type ClientToHostFrame = CallFrame | CancelFrame | RefFrame

/** Frames a host sends. */
export type HostToClientFrame = ResultFrame | ErrorFrame | ProtocolErrorFrame | EventFrame | RefFrame

export type Frame = ClientToHostFrame | HostToClientFrame

/** What one postMessage carries. */
export type Envelope = Frame[]

/** Every frame tag, in docs/protocol.md order. A test checks this list against the doc's headings. */
export const FRAME_TAGS = [
  'call',
  'cancel',
  'result',
  'error',
  'protocol-error',
  'ref-call',
  'ref-result',
  'ref-release',
  'ref-settle',
  'ref-push',
  'ref-bytes',
  'ref-pull',
  'ref-ack',
  'ref-end',
  'event',
] as const satisfies readonly Frame['t'][]

/**
 * Electron handshake channel names: sluice's internal lane, kept apart from the app's own IPC channels.
 * Owner-prefixed and direction-named, like Electron's own `ipc-messages.ts`.
 */
export const SLUICE_CHANNELS = {
  /** Preload to main over `ipcRenderer.send`: "give this frame a port". */
  SLUICE_HELLO_RENDERER_TO_MAIN: 'sluice:hello',
  /** Main to preload over `senderFrame.postMessage`, with the port in the transfer list. */
  SLUICE_PORT_MAIN_TO_RENDERER: 'sluice:port',
  /** Page to preload over `window.postMessage`: "relay me a port", with a nonce the answer repeats. */
  SLUICE_WANT_PORT_PAGE_TO_PRELOAD: 'sluice:want-port',
  /** Preload to page over `window.postMessage`, with the port in the transfer list. */
  SLUICE_PORT_PRELOAD_TO_PAGE: 'sluice:port',
} as const
