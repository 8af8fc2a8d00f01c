/**
 * A keyed Broadcast: per-symbol price quotes. quotes(symbol) subscribes a page to one symbol; every price is
 * numbered per symbol (`seq`), a page that stops reading is told what it missed (a gap marker, then the latest
 * price), and a page that subscribes late starts with the last price. Re-exported by api.ts.
 */
import { Broadcast } from 'sluice/main'

/** The symbols on offer. The page names one; anything else is refused (the renderer is untrusted). */
export const QUOTE_SYMBOLS = ['ACME', 'GLOBEX', 'INITECH'] as const
export type QuoteSymbol = (typeof QUOTE_SYMBOLS)[number]

/** One price of one symbol. */
export interface Quote {
  bid: number
  at: Date
}

/**
 * One latest price per symbol; at most 16 symbols nobody subscribes to are remembered (there are 3). A page
 * that stops reading costs the host at most 8 quotes (its `window`) beyond what its own credit holds.
 */
export const quoteFeed = new Broadcast<Quote, QuoteSymbol>({ maxKeys: 16 })

const bids: Record<QuoteSymbol, number> = { ACME: 100, GLOBEX: 250, INITECH: 42 }
let timer: ReturnType<typeof setInterval> | undefined

/** Prices move every 40 ms while anyone is subscribed; with nobody, the timer stops and the last prices stay. */
function tick(): void {
  if (quoteFeed.size === 0) {
    clearInterval(timer)
    timer = undefined
    return
  }
  for (const symbol of QUOTE_SYMBOLS) {
    bids[symbol] = Math.max(1, bids[symbol] * (1 + (Math.random() - 0.5) / 100))
    quoteFeed.publish(symbol, { bid: Math.round(bids[symbol] * 100) / 100, at: new Date() })
  }
}

/**
 * Subscribes this page to `symbol`'s prices: a stream of `{ kind: 'value', key, seq, value }`, and
 * `{ kind: 'gap', key, from, to }` after the page fell behind. With `last: true` (the default) it starts with
 * the symbol's last price, if it has one. `break` or cancel() unsubscribes.
 */
export function quotes(symbol: QuoteSymbol, options: { last?: boolean } = {}) {
  if (!QUOTE_SYMBOLS.includes(symbol)) throw new TypeError(`quotes: unknown symbol (one of ${QUOTE_SYMBOLS.join(', ')})`)
  const subscription = quoteFeed.subscribe(symbol, { last: options.last !== false, window: 8 })
  if (timer === undefined) {
    timer = setInterval(tick, 40)
    // The timer alone must not keep a process alive (tests load this bundle).
    timer.unref?.()
  }
  return subscription
}
