/** Type tests for channel acks: the optional ack type parameters, on both ends. Checked by tsc, never executed. */
import { expectTypeOf } from 'vitest'
import { Channel } from '../../src/main/index.js'
import type { ChannelEnd, Client } from '../../src/shared/index.js'

function host() {
  const channel = new Channel<string, number, { ok: boolean }, 'seen'>()
  // The host's listener returns its ack type; its send resolves with the client's.
  channel.listen((text) => {
    expectTypeOf(text).toEqualTypeOf<string>()
    return { ok: text.length > 0 }
  })
  // @ts-expect-error -- the host's ack is { ok: boolean }
  channel.listen(() => 'nope')
  expectTypeOf(channel.send(1)).toEqualTypeOf<Promise<'seen'>>()
  expectTypeOf(channel.sendBinary(new Uint8Array(1))).toEqualTypeOf<Promise<'seen'>>()
  channel.abort({ any: 'value' })
  channel.onOpen(() => {})
  return channel.client
}

declare const client: Client<{ open: typeof host; plain(): ChannelEnd<string, number> }>

async function uses() {
  const ch = await client.open()
  expectTypeOf(ch).toEqualTypeOf<ChannelEnd<string, number, { ok: boolean }, 'seen'>>()
  expectTypeOf(await ch.send('hi')).toEqualTypeOf<{ ok: boolean }>()
  ch.listen((n) => {
    expectTypeOf(n).toEqualTypeOf<number>()
    return 'seen' as const
  })
  ch.listenBinary((bytes) => {
    expectTypeOf(bytes).toEqualTypeOf<Uint8Array>()
    return 'seen' as const
  })
  // Without ack types, nothing changes for existing code: acks are unknown, listeners may return nothing.
  const plain = await client.plain()
  expectTypeOf(await plain.send('x')).toEqualTypeOf<unknown>()
  plain.listen(() => {})
  await plain.send('y', { ack: false })
}
void uses
