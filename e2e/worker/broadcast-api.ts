/** The keyed broadcast the Web Worker host serves for e2e/worker/broadcast.spec.ts: per-symbol prices. */
import { Broadcast, type BroadcastSubscribeOptions } from 'sluice/main'

const prices = new Broadcast<number>()

export const tickers = {
  /** One subscription, returned from the handler: the page iterates `BroadcastMessage<number>`s. */
  subscribe: (symbol: string, options?: BroadcastSubscribeOptions) => prices.subscribe(symbol, options),
  /** Publishes each value in order; returns the last seq. */
  publish(symbol: string, ...values: number[]): number {
    let seq = 0
    for (const value of values) seq = prices.publish(symbol, value)
    return seq
  },
  probe: (symbol: string) => ({ ...prices.stats(), count: prices.count(symbol) }),
}
