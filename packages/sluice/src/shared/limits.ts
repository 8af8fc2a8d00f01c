/**
 * Per-connection limits. Every renderer is untrusted, so each limit names the threat it stops and why its
 * default is what it is. A frame over a limit is answered with a protocol error to that peer only; the host
 * keeps serving it and everyone else.
 */
export interface SluiceLimits {
  /**
   * Streams (generators, async iterables) open at once on one connection.
   * Threat: a renderer opening streams until main runs out of memory. Each stream holds at most its credit
   * window, so 256 streams of 64 small items is a few MB at worst; real UIs use a handful.
   */
  maxStreams: number
  /**
   * Plain (non-stream) calls awaiting an answer at once on one connection.
   * Threat: a renderer starting unbounded concurrent work in main. 1024 is 16× what a busy UI keeps in flight.
   */
  maxPendingCalls: number
  /**
   * Frames in one postMessage. Threat: one message that makes main loop for a long time before yielding the
   * event loop. Our own senders flush at 64 items, so 1024 leaves room for bursts of control frames.
   */
  maxFramesPerMessage: number
  /** Arguments in one call. Threat: huge argument arrays; no sane API takes more than 64 positional arguments. */
  maxArgs: number
  /** Segments in a method path (`api.a.b.c`). Threat: deep walks of the api object. 8 covers nested namespaces. */
  maxPathDepth: number
  /**
   * The most credit a peer may hold granted to one stream or channel of the host's at once. Threat: a client
   * granting unbounded credit, then not reading, so main pushes without limit into the port's queue. 4096 is
   * the largest window a client grows to by default (`flow.maxWindow`); raise both together.
   */
  maxCredit: number
  /**
   * Bytes of one incoming message, where the transport can measure it (the WebSocket adapter, before
   * parsing). Structured-clone ports hand us already-deserialized objects, so there it does not apply.
   * Threat: a peer sending a message large enough to stall or exhaust the host. 64 MiB fits large uploads
   * sent as one argument; stream bigger data in chunks.
   */
  maxMessageBytes: number
  /**
   * Functions and promises live on one connection, in both directions together: callbacks and promises the
   * peer passed in, and those the host sent it. Threat: a renderer passing a fresh callback in every call and
   * never releasing one (300k of them held 295 MB). 4096 is far beyond what a UI holds at once.
   */
  maxRefs: number
  /**
   * Channels open on one connection. Threat: a renderer calling a method that returns a Channel over and over
   * and never closing one (100k held 171 MB). 256 matches `maxStreams`.
   */
  maxChannels: number
  /**
   * ReadableStreams and async iterables passed as values (arguments, or inside results), open at once on one
   * connection in both directions. Threat: 100k unread streams (450 MB). 256 matches `maxStreams`.
   */
  maxRefStreams: number
  /**
   * Calls from the host to one of the peer's callbacks still awaiting the peer's answer. Threat: a page that
   * never answers, while the host calls its callback on a timer without awaiting (200k calls held 112 MB).
   * A call past the limit rejects at once with a RangeError. 1024 is 16 seconds of a 60 Hz tick.
   */
  maxCallbackCalls: number
  /**
   * Objects and arrays one walk of one value may visit (decoding, copying, checking). Threat: a few kilobytes
   * that describe shared sub-objects, which a tree walk would visit 2^30 times. Every walk visits each object
   * once, so this bounds only truly large values; 1M objects is about 100 MB of data.
   */
  maxValueNodes: number
}

/** The defaults, documented field by field on `SluiceLimits` and in docs/limits.md. */
export const DEFAULT_LIMITS: Readonly<SluiceLimits> = Object.freeze({
  maxStreams: 256,
  maxPendingCalls: 1024,
  maxFramesPerMessage: 1024,
  maxArgs: 64,
  maxPathDepth: 8,
  maxCredit: 4096,
  maxMessageBytes: 64 * 1024 * 1024,
  maxRefs: 4096,
  maxChannels: 256,
  maxRefStreams: 256,
  maxCallbackCalls: 1024,
  maxValueNodes: 1_000_000,
})
