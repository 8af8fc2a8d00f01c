/**
 * ReadableStreams and async iterables by reference, both ways. The exporter reads its source only while the
 * importer has granted credit (an Outbound: flow/pump.ts); the importer queues what arrives and grants by the
 * window policy (an Inbound: flow/queue.ts). Ends with `ref-end` from the producer (done, with an iterator's
 * return value; or failed), or from the consumer (`cancel: true`). A generator call's stream is one of these
 * too: the host exports it (table.ts `exportStream`), and the client reads it through its RemoteCall.
 */
import { BLOB_CHUNK } from '../blob.js'
import { Inbound } from '../flow/queue.js'
import { Outbound, type Source } from '../flow/pump.js'
import type { LiveRef, RefContext } from './live.js'

/** A stream of ours that the peer reads. */
export class ExportedStream implements LiveRef {
  private readonly out: Outbound

  constructor(
    private readonly ctx: RefContext,
    private readonly id: number,
    readonly kind: 'readable' | 'iterable' | 'blob',
    source: Source,
    /** Told once its source has stopped for good (ended, failed, or its cancel() settled). */
    stopped?: () => void,
    /** Counted by its owner, not against the table's limits (a host's stream call). */
    readonly uncounted?: boolean,
  ) {
    this.out = new Outbound(
      source,
      {
        push: (value) => ctx.pushItem(id, value),
        flush: () => ctx.outbox.flush(),
        end: (value) => this.finish(value),
        fail: (error) => {
          ctx.forget(id, { error, failed: true })
          ctx.outbox.push({ t: 'ref-end', ref: id, error: ctx.wireError(error) })
        },
      },
      {
        maxCredit: ctx.maxCredit,
        // A blob's chunks are 256 KiB each: at most one byte window of them in flight, whatever the reader grants.
        hold: kind === 'blob' ? Math.max(1, Math.floor(ctx.flow.maxWindowBytes / BLOB_CHUNK)) : Infinity,
        stopped,
      },
    )
  }

  /** The source ended: an iterator's return value (if any) travels in the `ref-end`, with its own live refs. */
  private finish(value: unknown): void {
    const { ctx, id } = this
    if (this.kind !== 'iterable' || value === undefined) {
      ctx.forget(id, {})
      ctx.outbox.push({ t: 'ref-end', ref: id })
      return
    }
    const held: number[] = []
    let encoded
    try {
      encoded = ctx.encode(value, held)
    } catch (e) {
      const error = new TypeError(`sluice: the stream's return value cannot be sent: ${(e as Error).message}`)
      ctx.forget(id, { error, failed: true })
      ctx.outbox.push({ t: 'ref-end', ref: id, error: ctx.wireError(error) })
      return
    }
    ctx.forget(id, { held })
    ctx.outbox.push({ t: 'ref-end', ref: id, value: encoded })
    // The stream's end (its return value) must not wait behind the batch timer: its reader is waiting for it.
    ctx.outbox.flush()
  }

  pull(n: number): boolean {
    return this.out.grant(n)
  }

  /** The reader cancelled. */
  ended(error: unknown): void {
    this.out.cancel(error ?? new Error('sluice: the reader cancelled'))
  }

  /** Ends it from this side; `tell`: send the reader a `ref-end` (not when the reader is the one who gave up). */
  end(reason: unknown, tell = true): void {
    this.ctx.forget(this.id, { error: reason })
    this.out.cancel(reason)
    if (tell) this.ctx.outbox.push({ t: 'ref-end', ref: this.id, error: this.ctx.wireError(reason) })
  }

  revoke(reason: unknown): void {
    this.ctx.forget(this.id, { error: reason })
    this.out.cancel(reason)
  }

  close(error: Error): void {
    this.out.cancel(error)
  }

  /** postMessage refused one of its `ref-push` frames: stop the source, and tell the reader why. */
  failed(error: unknown, wire: ReturnType<RefContext['wireError']>): void {
    this.ctx.forget(this.id, { error, failed: true })
    this.out.cancel(error)
    this.ctx.outbox.push({ t: 'ref-end', ref: this.id, error: wire })
  }
}

/** A stream of the peer's that this side reads: a ReadableStream or an async iterator over an Inbound. */
export class ImportedStream implements LiveRef {
  private readonly in: Inbound<unknown>
  readonly value: unknown

  constructor(
    ctx: RefContext,
    id: number,
    readonly kind: 'readable' | 'iterable',
  ) {
    this.in = new Inbound<unknown>(
      {
        pull: (n) => ctx.outbox.push({ t: 'ref-pull', ref: id, n }),
        cancel: (reason) => {
          ctx.forget(id)
          ctx.outbox.push({ t: 'ref-end', ref: id, cancel: true, ...(reason !== undefined ? { error: ctx.wireError(reason) } : {}) })
        },
      },
      ctx.flow,
    )
    this.value = kind === 'readable' ? readableFrom(this.in) : iterableFrom(this.in)
  }

  push(items: unknown[]): boolean {
    return this.in.push(items)
  }

  ended(error: unknown, hasError: boolean, value?: unknown): void {
    this.in.end(hasError, error, value)
  }

  end(): void {}
  revoke(): void {}

  close(error: Error): void {
    this.in.end(true, error)
  }
}

/** What an exported ReadableStream or async iterable is read through. */
export function streamSource(kind: 'readable' | 'iterable', value: unknown): Source {
  return kind === 'readable' ? readerSource((value as ReadableStream<unknown>).getReader()) : iteratorSource((value as AsyncIterable<unknown>)[Symbol.asyncIterator]())
}

/** What an async iterator is read through. */

export function readerSource(reader: ReadableStreamDefaultReader<unknown>): Source {
  return {
    next: () => reader.read() as Promise<IteratorResult<unknown>>,
    cancel: (reason: unknown) => reader.cancel(reason),
  }
}

export function iteratorSource(iterator: AsyncIterator<unknown>): Source {
  return {
    next: () => iterator.next(),
    cancel: () => iterator.return?.(),
  }
}

function readableFrom(inbound: Inbound<unknown>): ReadableStream<unknown> {
  return new ReadableStream<unknown>(
    {
      async pull(controller) {
        const step = await inbound.next()
        if (step.done) controller.close()
        else controller.enqueue(step.value)
      },
      cancel(reason) {
        inbound.cancel(reason)
      },
    },
    // No queue of our own in the stream: the Inbound window is the only buffer, so credit is the only limit.
    { highWaterMark: 0 },
  )
}

function iterableFrom(inbound: Inbound<unknown>): AsyncIterable<unknown> & AsyncIterator<unknown> {
  const iterator = {
    next: () => inbound.next(),
    return: async (value?: unknown) => {
      inbound.cancel()
      return { value, done: true as const }
    },
    [Symbol.asyncIterator]() {
      return iterator
    },
  }
  return iterator
}
