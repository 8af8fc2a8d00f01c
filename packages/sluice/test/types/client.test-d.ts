/**
 * Type tests for Client<Api>: checked by `tsc --noEmit` (npm test runs it), never executed.
 * Negative cases use `// @ts-expect-error -- reason`: if the line stops being an error, tsc fails.
 */
import { expectTypeOf } from 'vitest'
import type { Client, StreamCall } from '../../src/shared/index.js'

interface Summary {
  ok: number
  failed: string[]
}

declare const api: {
  add(a: number, b: number): Promise<number>
  sync(x: string): number
  progress(paths: string[]): AsyncGenerator<{ done: number }, Summary, undefined>
  tokens(): AsyncIterable<string>
  bytes(): ReadableStream<Uint8Array>
  asyncBytes(): Promise<ReadableStream<string>>
  withSignal(q: string, signal?: AbortSignal): AsyncGenerator<string, void>
  nested: { deeper: { ping(): Promise<'pong'> } }
  version: string
  list: number[]
}

declare const client: Client<typeof api>

// Plain async functions keep their signature.
expectTypeOf(client.add).toEqualTypeOf<(a: number, b: number) => Promise<number>>()
// Sync functions become async: every call is a round trip.
expectTypeOf(client.sync).returns.toEqualTypeOf<Promise<number>>()
// Generators become StreamCall<yield, return>.
expectTypeOf(client.progress).returns.toEqualTypeOf<StreamCall<{ done: number }, Summary>>()
expectTypeOf(client.progress([])).toMatchTypeOf<PromiseLike<Summary>>()
expectTypeOf(client.progress([])).toMatchTypeOf<AsyncIterable<{ done: number }>>()
// Any other AsyncIterable becomes StreamCall<Y, void>.
expectTypeOf(client.tokens).returns.toEqualTypeOf<StreamCall<string, void>>()
// A ReadableStream is checked before AsyncIterable: it stays a ReadableStream, behind a promise.
expectTypeOf(client.bytes).returns.toEqualTypeOf<Promise<ReadableStream<Uint8Array>>>()
expectTypeOf(client.asyncBytes).returns.toEqualTypeOf<Promise<ReadableStream<string>>>()
// AbortSignal parameters stay: the client's signal cancels the call.
expectTypeOf(client.withSignal).parameters.toEqualTypeOf<[q: string, signal?: AbortSignal]>()
// Nested objects of functions become nested clients.
expectTypeOf(client.nested.deeper.ping).returns.toEqualTypeOf<Promise<'pong'>>()

async function uses() {
  for await (const p of client.progress(['a'])) expectTypeOf(p.done).toEqualTypeOf<number>()
  const summary = await client.progress(['a'])
  expectTypeOf(summary).toEqualTypeOf<Summary>()
  await client.progress([]).cancel()

  // @ts-expect-error -- non-function exports are not on the client
  void client.version
  // @ts-expect-error -- arrays are data, not namespaces
  void client.list
  // @ts-expect-error -- argument types are checked
  await client.add('1', 2)
  // @ts-expect-error -- argument counts are checked
  await client.add(1)
  // @ts-expect-error -- a plain call is not a stream
  for await (const _ of client.add(1, 2)) void _
  // @ts-expect-error -- unknown methods do not exist
  await client.nope()
  // @ts-expect-error -- the yield type is what the generator yields
  for await (const p of client.progress([])) expectTypeOf(p).toEqualTypeOf<string>()
}
void uses

declare const neverApi: { fail(): Promise<never>; failSync(): never }
declare const neverClient: Client<typeof neverApi>
// A function that never returns stays Promise<never>: `never` must not match the ReadableStream rule.
expectTypeOf(neverClient.fail).returns.toEqualTypeOf<Promise<never>>()
expectTypeOf(neverClient.failSync).returns.toEqualTypeOf<Promise<never>>()

// ---- One classification of Awaited<Ret> (issue 8): what the type says is what arrives -----------------------
declare const streamsApi: {
  /** An async function that resolves to an AsyncIterable streams at run time. */
  later(): Promise<AsyncIterable<string>>
  /** The same with a generator: its return value crosses too. */
  laterGen(): Promise<AsyncGenerator<number, 'end'>>
  /** An AsyncIterable inside a result arrives as an async iterator of its items. */
  withFeed(): Promise<{ name: string; feed: AsyncIterable<{ n: number }> }>
  /** A promise of a ReadableStream stays a ReadableStream, checked before AsyncIterable. */
  laterStream(): Promise<ReadableStream<Uint8Array>>
}
declare const streams: Client<typeof streamsApi>
expectTypeOf(streams.later).returns.toEqualTypeOf<StreamCall<string, void>>()
expectTypeOf(streams.laterGen).returns.toEqualTypeOf<StreamCall<number, 'end'>>()
expectTypeOf(streams.withFeed).returns.toEqualTypeOf<Promise<{ name: string; feed: AsyncIterableIterator<{ n: number }> }>>()
expectTypeOf(streams.laterStream).returns.toEqualTypeOf<Promise<ReadableStream<Uint8Array>>>()
// @ts-expect-error -- a promise of an AsyncIterable streams: it has no value to await but the end of the stream
expectTypeOf(streams.later).returns.toEqualTypeOf<Promise<AsyncIterable<string>>>()
