/**
 * ReadableStreams and async iterables by reference, both ways. The exporter reads its source only while the
 * importer has granted credit (an Outbound: flow/pump.ts); the importer queues what arrives and grants by the
 * window policy (an Inbound: flow/queue.ts). Ends with `ref-end` from the producer (done, or failed), or from
 * the consumer (`cancel: true`).
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
  ) {
    this.out = new Outbound(
      source,
      {
        push: (value) => ctx.pushItem('ref-push', id, value),
        flush: () => ctx.outbox.flush(),
        end: (error) => {
          ctx.forget(id)
          ctx.outbox.push(error === undefined ? { t: 'ref-end', ref: id } : { t: 'ref-end', ref: id, error: ctx.wireError(error) })
        },
      },
      ctx.maxCredit,
      // A blob's chunks are 256 KiB each: at most one byte window of them in flight, whatever the reader grants.
      kind === 'blob' ? Math.max(1, Math.floor(ctx.flow.maxWindowBytes / BLOB_CHUNK)) : Infinity,
    )
  }

  pull(n: number): boolean {
    return this.out.grant(n)
  }

  /** The reader cancelled. */
  ended(error: unknown): void {
    this.out.cancel(error ?? new Error('sluice: the reader cancelled'))
  }

  end(reason: unknown): void {
    this.ctx.forget(this.id)
    this.out.cancel(reason)
    this.ctx.outbox.push({ t: 'ref-end', ref: this.id, error: this.ctx.wireError(reason) })
  }

  revoke(reason: unknown): void {
    this.ctx.forget(this.id)
    this.out.cancel(reason)
  }

  close(error: Error): void {
    this.out.cancel(error)
  }

  /** postMessage refused one of its `ref-push` frames: stop the source, and tell the reader why. */
  failed(error: unknown, wire: ReturnType<RefContext['wireError']>): void {
    this.ctx.forget(this.id)
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

  ended(error: unknown, hasError: boolean): void {
    this.in.end(hasError, error)
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

export function readerSource(reader: ReadableStreamDefaultReader<unknown>): Source {
  return {
    next: () => reader.read() as Promise<IteratorResult<unknown>>,
    cancel: (reason: unknown) => reader.cancel(reason),
  }
}

function iteratorSource(iterator: AsyncIterator<unknown>): Source {
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
