/**
 * Disposal of values that can no longer be delivered.
 *
 * A result whose call was cancelled, a yield produced after a cancel, a promise's value that resolves after the
 * connection closed, items a consumer dropped: nobody will ever read them, so every live object inside must be
 * ended here, or it leaks. A ReadableStream would keep its source (an open file) until garbage collection, a
 * Channel's `onClose` would never run, and a rejected promise would become an unhandled rejection, which kills
 * a Node host that keeps Node's default behaviour.
 */
import { BLOB_LIKE } from './blob.js'
import { ChannelCore, coreOfToken } from './channel.js'

/** Marks a function proxy from the peer: calling it releases the proxy (see refs.ts). */
export const RELEASE = Symbol('sluice.release')

const MAX_NODES = 10_000
const MAX_DEPTH = 64
const ignore = (): void => {}

/**
 * Ends every live object in `value`: cancels streams and iterators, closes channels, releases function
 * proxies, and handles promises (disposing what they resolve to). Never throws. Walks plain objects and
 * arrays only, each once, and at most MAX_NODES of them: this may run on a peer's data.
 */
export function dispose(value: unknown, reason?: unknown): void {
  walk(value, reason, new Set(), 0)
}

function walk(v: unknown, reason: unknown, seen: Set<object>, depth: number): void {
  if ((typeof v !== 'object' && typeof v !== 'function') || v === null || seen.has(v)) return
  if (seen.size >= MAX_NODES || depth > MAX_DEPTH) return
  seen.add(v)
  try {
    // A proxy of the peer's function or Observable (refs/observables.ts) releases itself; any other function
    // holds nothing to end.
    const release = (v as { [RELEASE]?: unknown })[RELEASE]
    if (typeof release === 'function') {
      release.call(v)
      return
    }
    if (typeof v === 'function') return
    if (v instanceof Promise) {
      v.then((x) => dispose(x, reason), ignore)
      return
    }
    if (typeof ReadableStream === 'function' && v instanceof ReadableStream) {
      // A locked stream is being read by someone (our own exporter, which its connection cancels).
      if (!v.locked) v.cancel(reason).catch(ignore)
      return
    }
    const blobLike = (v as { [BLOB_LIKE]?: (reason: unknown) => void })[BLOB_LIKE]
    if (typeof blobLike === 'function') {
      // A download's body, or a file from the peer that nobody read: end it.
      blobLike.call(v, reason)
      return
    }
    const core = v instanceof ChannelCore ? v : coreOfToken(v)
    if (core !== undefined) {
      // A bound end tells its peer; one never sent ends here, and its onClose hears why.
      if (core.bound) core.close()
      else core.finish(reason)
      return
    }
    const iterate = (v as Partial<AsyncIterable<unknown>>)[Symbol.asyncIterator]
    if (typeof iterate === 'function') {
      Promise.resolve()
        .then(() => iterate.call(v).return?.())
        .catch(ignore)
      return
    }
    if (Array.isArray(v)) {
      for (const x of v) walk(x, reason, seen, depth + 1)
      return
    }
    const proto = Object.getPrototypeOf(v)
    if (proto === Object.prototype || proto === null) {
      for (const key of Object.keys(v)) {
        const desc = Object.getOwnPropertyDescriptor(v, key)
        // Never run a getter of a value we are throwing away.
        if (desc !== undefined && 'value' in desc) walk(desc.value, reason, seen, depth + 1)
      }
    }
  } catch {
    // Disposal is best effort and must never throw into the connection.
  }
}
