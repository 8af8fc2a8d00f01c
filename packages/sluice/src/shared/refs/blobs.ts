/**
 * Files and Blobs by reference, both ways, and the host's `download(...)`. A blob is a byte stream with
 * metadata: the exporter reads its source (a Blob sliced lazily, a download's body) only while the importer
 * has granted credit, through the same Outbound as every stream (streams.ts, flow/pump.ts); the importer
 * queues chunks in an Inbound (flow/queue.ts) whose window fits the byte cap. What this file adds is the
 * metadata, the byte accounting (a peer that sends more or fewer bytes than it declared is refused), and the
 * value the importer hands out: a `RemoteFile` (read once, lazily), or on a client a real Blob/File
 * (`materialize`), or for a download a `RemoteDownload`.
 *
 * Lifetime: until the producer ends, the reader cancels (or, for a call's argument nobody read, the call
 * ends), or the connection closes.
 */
import { BLOB_CHUNK, BLOB_LIKE, type BlobMeta, badMeta, blobMeta, ownBytes } from '../blob.js'
import { dispose } from '../dispose.js'
import { AbortError, ProtocolError } from '../errors.js'
import type { Source } from '../flow/pump.js'
import { Inbound } from '../flow/queue.js'
import type { LiveRef, RefContext } from './live.js'
import { ExportedStream, readerSource } from './streams.js'

const ignore = (): void => {}

// ===============================================================================================================
// The host's download(...)
// ===============================================================================================================

/** The bytes of a download: all at once (a string is sent as UTF-8), a Blob (read lazily), or a stream of chunks. */
export type DownloadBody = string | Uint8Array | ArrayBuffer | Blob | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>

/** How a download presents itself to the page. */
export interface DownloadOptions {
  /** The MIME type, as a Blob's `type`. Default: the body's own type for a Blob, else `application/octet-stream`. */
  type?: string
  /** The suggested file name: `save()` uses it, and `blob()` then gives a File. */
  name?: string
  /** The length in bytes, when the body is a stream and you know it (a Content-Length): the page sees progress. */
  size?: number
  /** As a File's `lastModified`. Default: now. */
  lastModified?: number
}

/**
 * Process: Main (any host).
 * What `download(...)` returns; the page receives it as a `RemoteDownload`. The bytes are read from `body` only
 * as the page reads them, under credit.
 * @see sluice/docs/primitives.md#files-and-blobs
 */
export class Download {
  readonly type: string
  readonly name: string | undefined
  readonly size: number | undefined
  readonly lastModified: number
  /** @internal */
  readonly body: Exclude<DownloadBody, string>

  constructor(body: DownloadBody, options: DownloadOptions = {}) {
    if (typeof body === 'string') body = new TextEncoder().encode(body)
    const known = body instanceof Uint8Array || body instanceof ArrayBuffer ? body.byteLength : typeof Blob === 'function' && body instanceof Blob ? body.size : undefined
    if (known === undefined && !isStreamBody(body)) {
      throw new TypeError('sluice: download(): the body must be a Uint8Array, an ArrayBuffer, a Blob, a ReadableStream or an async iterable of Uint8Array')
    }
    if (options.size !== undefined && (!Number.isSafeInteger(options.size) || options.size < 0)) throw new RangeError('sluice: download(): options.size must be a non-negative integer')
    if (known !== undefined && options.size !== undefined && options.size !== known) {
      throw new RangeError(`sluice: download(): options.size is ${options.size} but the body holds ${known} bytes`)
    }
    this.body = body
    this.type = options.type ?? (typeof Blob === 'function' && body instanceof Blob ? body.type : '')
    if (this.type === '') this.type = 'application/octet-stream'
    this.name = options.name ?? (typeof File === 'function' && body instanceof File ? body.name : undefined)
    this.size = known ?? options.size
    this.lastModified = options.lastModified ?? Date.now()
  }

  /** @internal the slot's metadata. */
  meta(): BlobMeta {
    const meta: BlobMeta = { type: this.type, lastModified: this.lastModified, dl: 1 }
    if (this.size !== undefined) meta.size = this.size
    if (this.name !== undefined) meta.name = this.name
    return meta
  }

  /** @internal nobody will read it: end its body's source. */
  [BLOB_LIKE](reason: unknown): void {
    dispose(this.body, reason)
  }
}

function isStreamBody(body: unknown): boolean {
  if (typeof body !== 'object' || body === null) return false
  return (typeof ReadableStream === 'function' && body instanceof ReadableStream) || typeof (body as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function'
}

/**
 * Process: Main (any host).
 * Wraps bytes as a download for the page: `return download(csv, { type: 'text/csv', name: 'report.csv' })`.
 * The page gets a `RemoteDownload` it can `save()`, turn into a `blob()` or an `objectURL()`, or read as a
 * `stream()`. Bytes flow only as the page reads them, under credit; the call lives until they have all gone,
 * or the page cancels.
 * @see sluice/docs/primitives.md#files-and-blobs
 */
export function download(body: DownloadBody, options?: DownloadOptions): Download {
  return new Download(body, options)
}

// ===============================================================================================================
// Export: the bytes of a Blob, a Download or a RemoteFile, as chunks of at most BLOB_CHUNK
// ===============================================================================================================

/** Reads `blob` one slice at a time, when asked: a 1 GiB File costs one chunk of memory at a time. */
function blobSource(blob: Blob): Source {
  let at = 0
  return {
    async next() {
      if (at >= blob.size) return { done: true, value: undefined }
      const end = Math.min(blob.size, at + BLOB_CHUNK)
      const bytes = new Uint8Array(await blob.slice(at, end).arrayBuffer())
      at = end
      return { done: false, value: bytes }
    },
    cancel() {
      at = Infinity
    },
  }
}

/** Cuts what `inner` yields into Uint8Array chunks of at most BLOB_CHUNK bytes. */
function chunked(inner: Source): Source {
  let rest: Uint8Array | undefined
  return {
    async next() {
      for (;;) {
        if (rest !== undefined) {
          const out = rest.byteLength > BLOB_CHUNK ? rest.subarray(0, BLOB_CHUNK) : rest
          rest = rest.byteLength > BLOB_CHUNK ? rest.subarray(BLOB_CHUNK) : undefined
          return { done: false, value: out }
        }
        const step = await inner.next()
        if (step.done) return step
        const v = step.value
        if (v instanceof Uint8Array) rest = v
        else if (v instanceof ArrayBuffer) rest = new Uint8Array(v)
        else throw new TypeError(`sluice: download(): the body must produce Uint8Array chunks, not ${v === null ? 'null' : typeof v}`)
        if (rest.byteLength === 0) rest = undefined
      }
    },
    cancel: (reason) => inner.cancel(reason),
  }
}

function sourceOf(value: unknown): Source {
  if (typeof Blob === 'function' && value instanceof Blob) return blobSource(value)
  if (value instanceof IncomingBlob) return readerSource(value.stream().getReader())
  const body = (value as Download).body
  if (typeof Blob === 'function' && body instanceof Blob) return blobSource(body)
  if (body instanceof Uint8Array || body instanceof ArrayBuffer) {
    let sent = false
    return chunked({ next: async () => (sent ? { done: true, value: undefined } : ((sent = true), { done: false, value: body })), cancel: ignore })
  }
  if (typeof ReadableStream === 'function' && body instanceof ReadableStream) return chunked(readerSource(body.getReader()))
  const iterator = (body as AsyncIterable<unknown>)[Symbol.asyncIterator]()
  return chunked({ next: () => iterator.next(), cancel: () => iterator.return?.() })
}

/** A Blob, File, Download or RemoteFile of ours that the peer reads. */
export function exportBlob(ctx: RefContext, id: number, value: unknown): ExportedStream {
  return new ExportedStream(ctx, id, 'blob', sourceOf(value))
}

// ===============================================================================================================
// Import: the peer's bytes, checked against what it declared
// ===============================================================================================================

/** How many materializable blobs were imported so far (any connection): a client walks a value only if it grew. */
let imports = 0
/** @internal */
export function blobImports(): number {
  return imports
}

/** What an IncomingBlob reads from. */
interface Chunks {
  next(): Promise<IteratorResult<Uint8Array, undefined>>
  cancel(reason?: unknown): void
}

/** A blob of the peer's that this side reads: checks every chunk and the total against the declared size. */
export class ImportedBlob implements LiveRef {
  readonly kind = 'blob'
  private readonly in: Inbound<Uint8Array>
  private received = 0
  /** Handed out once (take()): the table must not keep it alive, or an unread one could never be collected. */
  private value: IncomingBlob | undefined
  private readonly size: number | undefined

  constructor(
    private readonly ctx: RefContext,
    private readonly id: number,
    meta: unknown,
    side: 'host' | 'client',
  ) {
    const bad = badMeta(meta)
    if (bad !== undefined) throw new ProtocolError(bad)
    const m = meta as BlobMeta
    // A host reads files from an untrusted page: their size is part of the contract, and a download is the host's.
    if (side === 'host' && (m.size === undefined || m.dl !== undefined)) throw new ProtocolError('a blob sent to the host must declare its size, and cannot be a download')
    this.size = m.size
    // The window counts chunks: keep its start and its cap within the byte cap at full-size chunks.
    const flow = ctx.flow
    const perBytes = Math.max(1, Math.floor(flow.maxWindowBytes / BLOB_CHUNK))
    this.in = new Inbound<Uint8Array>(
      {
        pull: (n) => ctx.outbox.push({ t: 'ref-pull', ref: id, n }),
        cancel: (reason) => {
          ctx.forget(id)
          ctx.outbox.push({ t: 'ref-end', ref: id, cancel: true, ...(reason !== undefined ? { error: ctx.wireError(reason) } : {}) })
        },
      },
      { ...flow, initialWindow: Math.min(flow.initialWindow, perBytes), maxWindow: Math.min(flow.maxWindow, perBytes) },
    )
    const chunks: Chunks = { next: () => this.in.next(), cancel: (reason) => this.in.cancel(reason) }
    if (m.dl === 1) this.value = new RemoteDownload(m, chunks)
    else {
      this.value = new RemoteFile(m, chunks)
      // A client with no Blob of its own (an exotic runtime) keeps the RemoteFile: it has the same readers.
      if (side === 'client' && typeof Blob === 'function') imports++
    }
  }

  /** The value for the decoded message; from then on only its holder keeps it alive. */
  take(): IncomingBlob {
    const value = this.value!
    this.value = undefined
    return value
  }

  push(items: unknown[]): boolean {
    let bytes = 0
    for (let i = 0; i < items.length; i++) {
      const item = items[i]
      if (!(item instanceof Uint8Array)) throw new ProtocolError(`ref-push: blob ${this.id} takes Uint8Array chunks only`)
      if (item.byteLength > BLOB_CHUNK) throw new ProtocolError(`ref-push: a chunk of blob ${this.id} holds ${item.byteLength} bytes; the most is ${BLOB_CHUNK}`)
      items[i] = ownBytes(item)
      bytes += item.byteLength
    }
    if (!this.in.push(items as Uint8Array[])) return false
    this.received += bytes
    if (this.size !== undefined && this.received > this.size) {
      const error = new ProtocolError(`sluice: the peer sent more than the ${this.size} bytes it declared for this file`)
      this.ctx.forget(this.id)
      this.ctx.outbox.push({ t: 'ref-end', ref: this.id, cancel: true, error: this.ctx.wireError(error) })
      this.in.end(true, error)
      throw error
    }
    return true
  }

  ended(error: unknown, hasError: boolean): void {
    if (!hasError && this.size !== undefined && this.received !== this.size) {
      const short = new ProtocolError(`sluice: the peer ended a file after ${this.received} of the ${this.size} bytes it declared`)
      this.in.end(true, short)
      throw short
    }
    this.in.end(hasError, error)
  }

  end(): void {}
  revoke(): void {}

  close(error: Error): void {
    this.in.end(true, error)
  }
}

// ===============================================================================================================
// What the importer holds
// ===============================================================================================================

const concat = (chunks: Uint8Array[], total: number): Uint8Array => {
  const out = new Uint8Array(total)
  let at = 0
  for (const c of chunks) {
    out.set(c, at)
    at += c.byteLength
  }
  return out
}

/**
 * A blob dropped unread (its holder let go of it, and it was never read) is cancelled when it is collected,
 * so the other side's source stops and the call that sent it can close. Once a read starts, the reader owns
 * the transfer: a stream outlives the object it came from.
 */
const unread =
  typeof FinalizationRegistry === 'function'
    ? new FinalizationRegistry<Chunks>((chunks) => chunks.cancel(new Error('sluice: a file or download was dropped unread')))
    : undefined

/** The readers a RemoteFile and a RemoteDownload share: bytes from the other side, read once, as they arrive. */
export class IncomingBlob {
  /** The file name; `''` for a Blob that was not a File. */
  readonly name: string
  readonly type: string
  /** The length in bytes (`undefined` only for a download whose host did not know it). */
  readonly size: number | undefined
  readonly lastModified: number
  /** Bytes read so far. */
  loaded = 0
  private readonly _chunks: Chunks
  private readonly _file: boolean
  private _readBy: string | undefined
  private _cancelled: unknown
  private _progress: ((loaded: number, total: number | undefined) => void)[] = []

  /** @internal */
  constructor(meta: BlobMeta, chunks: Chunks) {
    this.name = meta.name ?? ''
    this.type = meta.type
    this.size = meta.size
    this.lastModified = meta.lastModified ?? 0
    this._file = meta.name !== undefined
    this._chunks = chunks
    unread?.register(this, chunks, this)
  }

  /** Calls `fn(loaded, size)` after each chunk is read. Returns a function that removes it. */
  onProgress(fn: (loaded: number, total: number | undefined) => void): () => void {
    this._progress.push(fn)
    return () => void (this._progress = this._progress.filter((f) => f !== fn))
  }

  /** The bytes as they arrive, pulled from the other side only as this stream is read. Once only. */
  stream(): ReadableStream<Uint8Array> {
    return this._open('stream()')
  }

  private _open(by: string): ReadableStream<Uint8Array> {
    this._take(by)
    const chunks = this._chunks
    return new ReadableStream<Uint8Array>(
      {
        pull: async (controller) => {
          const step = await chunks.next()
          // A cancel() ends the queue quietly; the reader must not take the bytes it got for the whole file.
          if (step.done) return this._cancelled !== undefined ? controller.error(this._cancelled) : controller.close()
          this.loaded += step.value.byteLength
          controller.enqueue(step.value)
          for (const fn of this._progress) fn(this.loaded, this.size)
        },
        cancel: (reason) => chunks.cancel(reason),
      },
      // No queue of our own: the Inbound window is the only buffer, so credit is the only limit.
      { highWaterMark: 0 },
    )
  }

  /** All the bytes, in one Uint8Array. Once only (with the other readers). */
  async bytes(): Promise<Uint8Array<ArrayBuffer>> {
    return this._collect('bytes()')
  }

  private async _collect(by: string): Promise<Uint8Array<ArrayBuffer>> {
    const reader = this._open(by).getReader()
    const parts: Uint8Array[] = []
    let total = 0
    for (;;) {
      const step = await reader.read()
      if (step.done) break
      parts.push(step.value)
      total += step.value.byteLength
    }
    return concat(parts, total) as Uint8Array<ArrayBuffer>
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    return (await this._collect('arrayBuffer()')).buffer
  }

  async text(): Promise<string> {
    return new TextDecoder().decode(await this._collect('text()'))
  }

  /** The bytes as a real Blob in this process: a File when it has a name. Once only (with the other readers). */
  async blob(): Promise<Blob> {
    const reader = this._open('blob()').getReader()
    const parts: Uint8Array<ArrayBuffer>[] = []
    for (;;) {
      const step = await reader.read()
      if (step.done) break
      parts.push(step.value as Uint8Array<ArrayBuffer>)
    }
    if (this._file && typeof File === 'function') return new File(parts, this.name, { type: this.type, lastModified: this.lastModified })
    return new Blob(parts, { type: this.type })
  }

  /** Stops the transfer (the other side's source is cancelled). A read in progress fails; later reads fail. */
  cancel(reason?: unknown): void {
    this._readBy ??= 'cancel()'
    this._cancelled ??= reason ?? new AbortError('sluice: the transfer was cancelled')
    this._chunks.cancel(reason)
  }

  /** @internal the slot's metadata, to pass it on. */
  meta(): BlobMeta {
    const meta: BlobMeta = { type: this.type, lastModified: this.lastModified }
    if (this.size !== undefined) meta.size = this.size
    if (this._file) meta.name = this.name
    return meta
  }

  /** @internal nobody read it, and nobody will: release it (a read already under way owns it). */
  [BLOB_LIKE](reason: unknown): void {
    if (this._readBy === undefined) this.cancel(reason)
  }

  private _take(by: string): void {
    unread?.unregister(this)
    if (this._readBy !== undefined) {
      throw new TypeError(
        `sluice: ${by}: ${this._file ? `the file '${this.name}'` : 'this blob'} was already ${this._readBy === 'cancel()' ? 'cancelled or released' : `read with ${this._readBy}`}; bytes from the other side can be read once (keep them if you need them twice)`,
      )
    }
    this._readBy = by
  }
}

/**
 * Process: Main (any host).
 * A `Blob` or `File` the page passed as an argument, as the host receives it: its metadata now, its bytes
 * pulled from the page only as you read them (`stream()`, `bytes()`, `arrayBuffer()`, `text()`, `blob()`),
 * under the connection's byte window. Read it once. Unread when the call ends, it is released.
 * @see sluice/docs/primitives.md#files-and-blobs
 */
export class RemoteFile extends IncomingBlob {
  declare readonly size: number
}

/**
 * Process: Renderer (any client).
 * What the page gets for a host's `download(...)`: its metadata now, its bytes as it reads them. `save()` hands
 * it to the browser as a file download; `objectURL()`, `blob()`, `stream()`, `bytes()` and `text()` read it.
 * Read it once.
 * @see sluice/docs/primitives.md#files-and-blobs
 */
export class RemoteDownload extends IncomingBlob {
  /** The suggested file name (`''` when the host gave none). */
  declare readonly name: string

  /** Reads it all, then makes an object URL for it (revoke it with `URL.revokeObjectURL` when done). */
  async objectURL(): Promise<string> {
    return URL.createObjectURL(await this.blob())
  }

  /**
   * Reads it all, then offers it to the user as a file download (an anchor with the `download` attribute).
   * `name` overrides the host's suggestion. Needs a DOM.
   */
  async save(name?: string): Promise<void> {
    const url = await this.objectURL()
    const a = document.createElement('a')
    a.href = url
    a.download = name ?? (this.name || 'download')
    a.rel = 'noopener'
    a.style.display = 'none'
    document.body.append(a)
    a.click()
    a.remove()
    // The browser reads the URL after the click returns; revoke it once it surely has (FileSaver.js waits 40 s).
    setTimeout(() => URL.revokeObjectURL(url), 40_000)
  }
}

/**
 * Calls `found` for each plain `RemoteFile` in `value` (a Blob to materialize) in plain objects and arrays,
 * like `dispose` walks them; `put` replaces it in its place. A `RemoteFile` at the top is not looked for.
 */
function eachFile(value: unknown, found: (file: RemoteFile, put: (blob: Blob) => void) => void): void {
  const seen = new Set<object>()
  const walk = (v: unknown, depth: number): void => {
    if (typeof v !== 'object' || v === null || seen.has(v) || depth > 64 || seen.size > 10_000) return
    seen.add(v)
    const proto = Object.getPrototypeOf(v)
    if (!Array.isArray(v) && proto !== Object.prototype && proto !== null) return
    for (const key of Object.keys(v)) {
      const x = (v as Record<string, unknown>)[key]
      if (x instanceof RemoteFile) found(x, (b) => void ((v as Record<string, unknown>)[key] = b))
      else walk(x, depth + 1)
    }
  }
  walk(value, 0)
}

/** Whether `value` is, or holds, a plain `RemoteFile`. */
export function holdsFile(value: unknown): boolean {
  let found = value instanceof RemoteFile
  if (!found) eachFile(value, () => (found = true))
  return found
}

/**
 * A client turns each plain `RemoteFile` in a freshly decoded value into a real Blob or File, reading its
 * bytes now (under each blob's byte window), and resolves with the value once they are all in. A
 * `RemoteFile` at the top is replaced by the value returned. Every file it reads goes into `files`, so a
 * caller that gives up (a cancelled call, a stream broken out of) can cancel the transfers still under way
 * (refs/arrivals.ts). If one fails, the others are cancelled.
 */
export async function materialize<T>(value: T, files: IncomingBlob[] = []): Promise<T> {
  if (value instanceof RemoteFile) {
    files.push(value)
    return (await value.blob()) as T
  }
  const found: Promise<void>[] = []
  eachFile(value, (f, put) => {
    files.push(f)
    found.push(f.blob().then(put))
  })
  try {
    await Promise.all(found)
  } catch (e) {
    // One failed: the value will not be delivered, so stop the others' transfers too (reads under way included).
    for (const f of files) f.cancel(e)
    throw e
  }
  return value
}
