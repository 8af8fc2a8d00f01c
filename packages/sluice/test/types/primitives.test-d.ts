/** Type tests for what the primitives look like on the client. Checked by tsc, never executed. */
import { expectTypeOf } from 'vitest'
import type { ChannelEnd, Client } from '../../src/shared/index.js'
import { type Host, serve } from '../../src/main/index.js'
import { events } from '../../src/renderer/index.js'

declare const api: {
  chat(): ChannelEnd<string, number>
  watch(onChange: (path: string) => void): Promise<() => Promise<void>>
  report(): Promise<{ title: string; summary: Promise<string> }>
  bytes(): ReadableStream<Uint8Array>
}
declare const client: Client<typeof api>

async function uses() {
  // A channel end stays a channel end: its methods are local, not round trips.
  const ch = await client.chat()
  expectTypeOf(ch).toEqualTypeOf<ChannelEnd<string, number>>()
  const off = ch.listen((n) => {
    expectTypeOf(n).toEqualTypeOf<number>()
  })
  off()
  await ch.send('hello')
  // @ts-expect-error -- the client sends what the host receives
  await ch.send(42)

  // A returned function becomes an async function; a callback parameter keeps its type.
  const unwatch = await client.watch((p) => expectTypeOf(p).toEqualTypeOf<string>())
  expectTypeOf(unwatch).returns.toEqualTypeOf<Promise<void>>()

  // Nested promises stay promises.
  const r = await client.report()
  expectTypeOf(r.summary).toEqualTypeOf<Promise<string>>()

  expectTypeOf(client.bytes).returns.toEqualTypeOf<Promise<ReadableStream<Uint8Array>>>()
}
void uses

type AppEvents = { tick: (n: number) => void }
function typedServe(apiImpl: { ping(): Promise<void> }) {
  const host = serve<typeof apiImpl, AppEvents>(apiImpl)
  expectTypeOf(host).toEqualTypeOf<Host<typeof apiImpl, AppEvents>>()
  host.emit('tick', 1)
  // @ts-expect-error -- payloads are typed by the event map
  host.emit('tick', 'one')
  // @ts-expect-error -- unknown events are refused
  host.emit('tock', 1)
  const on = events<AppEvents>({} as Client<typeof apiImpl>).on
  on('tick', (n) => expectTypeOf(n).toEqualTypeOf<number>())
}
void typedServe
