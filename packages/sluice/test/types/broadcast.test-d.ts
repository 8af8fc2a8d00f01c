/**
 * Type tests for keyed broadcasts: a handler returning `broadcast.subscribe(key)` types end to end through
 * Client<Api> as a StreamCall of BroadcastMessage, and `kind` narrows it. Checked by `tsc --noEmit`, never run.
 */
import { expectTypeOf } from 'vitest'
import { Broadcast } from '../../src/main/index.js'
import type { BroadcastMessage, ChannelEnd, Client, StreamCall } from '../../src/shared/index.js'

interface Price {
  bid: number
  at: Date
}
const prices = new Broadcast<Price>()
const api = {
  ticker: (symbol: string) => prices.subscribe(symbol, { last: true }),
  legacy: () => prices.subscribe(),
}
declare const client: Client<typeof api>

expectTypeOf(client.ticker).toEqualTypeOf<(symbol: string) => StreamCall<BroadcastMessage<Price, string>, void>>()
// The unkeyed form still returns a channel end.
expectTypeOf(client.legacy).returns.toEqualTypeOf<Promise<ChannelEnd<never, Price>>>()

declare const m: BroadcastMessage<Price, 'AAPL' | 'MSFT'>
if (m.kind === 'value') {
  expectTypeOf(m.seq).toEqualTypeOf<number>()
  expectTypeOf(m.value).toEqualTypeOf<Price>()
  expectTypeOf(m.key).toEqualTypeOf<'AAPL' | 'MSFT'>()
} else {
  expectTypeOf(m).toEqualTypeOf<{ kind: 'gap'; key: 'AAPL' | 'MSFT'; from: number; to: number }>()
  // @ts-expect-error -- a gap carries no value: the union makes the page handle it
  void m.value
}

// Keys are strings or numbers: they travel in every message.
const byId = new Broadcast<number, number>()
byId.publish(7, 1)
// @ts-expect-error -- the key type is number
byId.publish('7', 1)
// @ts-expect-error -- an object is not a key
new Broadcast<number, { id: number }>()
