/**
 * Files and Blobs on the wire: what the codec needs to know of them, with no imports (codec.ts, dispose.ts and
 * refs/blobs.ts all read it). A Blob, a File, a host's `download(...)` and a `RemoteFile` passed on all travel as
 * a `blob` ref: the slot's place in the value holds the metadata (`BlobMeta`), and the bytes follow as the
 * ref's `ref-push` items, pulled under credit like any stream's (see refs/blobs.ts).
 */

/** The most bytes one chunk of a blob may carry. A receiver refuses bigger chunks: they would defeat its window. */
export const BLOB_CHUNK = 256 * 1024

/** What travels in a blob ref's slot. `size` is absent only for a download whose length is unknown. */
export interface BlobMeta {
  size?: number
  type: string
  /** Present for a File (and a named download): the receiver then rebuilds a File. */
  name?: string
  lastModified?: number
  /** Set for a host's `download(...)`: the page gets a lazy `RemoteDownload`, not a materialized Blob. */
  dl?: 1
}

/**
 * Marks a live blob-like object of sluice's (a `Download`, a `RemoteFile`): the codec sends it as a `blob` ref,
 * and `dispose` calls the marked method with the reason when nobody will ever read it.
 */
export const BLOB_LIKE: unique symbol = Symbol.for('sluice.blob-like') as never

const BlobOrNone: Function = typeof Blob === 'function' ? Blob : class {}
const FileOrNone: Function = typeof File === 'function' ? File : class {}

/** Whether `v` travels as a `blob` ref. */
export function isBlobLike(v: object): boolean {
  return v instanceof BlobOrNone || typeof (v as Record<symbol, unknown>)[BLOB_LIKE] === 'function'
}

/** The metadata of a blob-like value, for its slot. */
export function blobMeta(v: object): BlobMeta {
  if (v instanceof BlobOrNone) {
    const blob = v as Blob
    const meta: BlobMeta = { size: blob.size, type: blob.type }
    if (v instanceof FileOrNone) {
      meta.name = (v as File).name
      meta.lastModified = (v as File).lastModified
    }
    return meta
  }
  return (v as { meta(): BlobMeta }).meta()
}

const MAX_TEXT = 4096

/** Checks a peer's blob metadata; returns an error message, or undefined when it is well formed. */
export function badMeta(m: unknown): string | undefined {
  if (typeof m !== 'object' || m === null) return 'a blob ref needs its metadata in its slot'
  const { size, type, name, lastModified, dl } = m as Record<string, unknown>
  if (size !== undefined && (!Number.isSafeInteger(size) || (size as number) < 0)) return 'a blob size must be a non-negative integer'
  if (typeof type !== 'string' || type.length > MAX_TEXT) return `a blob type must be a string of at most ${MAX_TEXT} characters`
  if (name !== undefined && (typeof name !== 'string' || name.length > MAX_TEXT)) return `a file name must be a string of at most ${MAX_TEXT} characters`
  if (lastModified !== undefined && !Number.isFinite(lastModified)) return 'a file lastModified must be a number'
  if (dl !== undefined && dl !== 1) return 'a blob dl flag must be 1'
  return undefined
}

const SharedOrNone: Function = typeof SharedArrayBuffer === 'function' ? SharedArrayBuffer : class {}

/** Memory shared with another thread: it can change under us by design, so it is never sent or kept by reference. */
export function isShared(buffer: ArrayBufferLike): boolean {
  return buffer instanceof SharedOrNone
}

/**
 * `bytes` from the peer, in memory only this side holds: a view of a SharedArrayBuffer (which a port within one
 * agent cluster carries shared) is copied, or the peer could change the bytes after a handler checked them.
 */
export function ownBytes(bytes: Uint8Array): Uint8Array {
  return isShared(bytes.buffer) ? bytes.slice() : bytes
}
