import type { QuoteSymbol } from '../../../shared/api'
import { describeError, formatInt, h, perFrame } from '../dom'
import { card, say, signature, status } from './card'

const SYMBOLS = ['ACME', 'GLOBEX', 'INITECH'] as const satisfies readonly QuoteSymbol[]

type QuoteCall = ReturnType<typeof window.api.quotes>

/** One symbol's row: its latest price and seq, a Pause/Resume toggle, and a note (joined at, paused, missed). */
interface Row {
  call?: QuoteCall
  /** While paused, the loop awaits this before reading on: the page stops reading, so the host holds back. */
  paused?: { promise: Promise<void>; resume: () => void }
  bid?: number
  seq?: number
  gaps: number
  note: string
  bidEl: HTMLElement
  seqEl: HTMLElement
  noteEl: HTMLElement
  pauseEl: HTMLButtonElement
}

/**
 * A keyed Broadcast: quotes(symbol) subscribes this page to one symbol's prices. Every price has a seq; Pause
 * stops reading one symbol, and on Resume the page first gets what was already on its way, then a gap marker
 * naming the prices it will never see, then the latest. Unsubscribe and Subscribe again: the first price is the
 * last one published, with its seq.
 */
export function quotesPanel(): HTMLElement {
  const subscribe = h('button', { class: 'primary', 'data-testid': 'quotes-subscribe', onclick: () => start() }, 'Subscribe')
  const unsubscribe = h('button', { class: 'ghost', 'data-testid': 'quotes-unsubscribe', disabled: true, onclick: () => stop() }, 'Unsubscribe')
  const line = status('quotes')
  line.textContent = 'Not subscribed'
  const table = h('dl', { class: 'facts quotes', 'data-testid': 'quotes-table' })
  const rows = new Map<QuoteSymbol, Row>()
  for (const symbol of SYMBOLS) {
    const row: Row = {
      gaps: 0,
      note: '–',
      bidEl: h('span', { class: 'bid', 'data-testid': `quotes-${symbol}-bid` }, '–'),
      seqEl: h('span', { class: 'muted', 'data-testid': `quotes-${symbol}-seq` }, ''),
      noteEl: h('span', { class: 'muted note', 'data-testid': `quotes-${symbol}-note` }, '–'),
      pauseEl: h('button', { class: 'ghost', 'data-testid': `quotes-${symbol}-pause`, disabled: true, onclick: () => togglePause(symbol) }, 'Pause'),
    }
    rows.set(symbol, row)
    table.append(h('dt', {}, symbol), h('dd', { class: 'row' }, h('span', { class: 'price' }, row.bidEl, ' ', row.seqEl), row.noteEl, row.pauseEl))
  }

  const draw = perFrame(() => {
    for (const row of rows.values()) {
      row.bidEl.textContent = row.bid === undefined ? '–' : row.bid.toFixed(2)
      row.seqEl.textContent = row.seq === undefined ? '' : `#${formatInt(row.seq)}`
      row.noteEl.textContent = row.note
    }
  })

  async function follow(symbol: QuoteSymbol, row: Row): Promise<void> {
    const call = (row.call = window.api.quotes(symbol, { last: true }))
    let first = true
    try {
      for await (const m of call) {
        if (row.paused) await row.paused.promise
        if (row.call !== call) break
        if (m.kind === 'gap') {
          row.gaps++
          row.note = `missed #${formatInt(m.from)}–#${formatInt(m.to)}`
        } else {
          row.bid = m.value.bid
          row.seq = m.seq
          if (first) row.note = `joined at #${formatInt(m.seq)}`
          else if (row.note === 'paused') row.note = 'live'
        }
        first = false
        draw()
      }
    } catch (e) {
      say(line, describeError(e), 'warn')
    }
  }

  function start(): void {
    subscribe.disabled = true
    unsubscribe.disabled = false
    for (const [symbol, row] of rows) {
      row.pauseEl.disabled = false
      row.note = 'subscribing…'
      void follow(symbol, row)
    }
    draw()
    say(line, 'Subscribed: one stream per symbol, each price numbered per symbol', 'done')
  }

  function stop(): void {
    for (const row of rows.values()) {
      const call = row.call
      row.call = undefined
      void call?.cancel()
      row.paused?.resume()
      row.paused = undefined
      row.pauseEl.textContent = 'Pause'
      row.pauseEl.disabled = true
      row.note = 'unsubscribed'
    }
    draw()
    subscribe.disabled = false
    unsubscribe.disabled = true
    say(line, 'Unsubscribed: subscribe again to start from the last prices')
  }

  function togglePause(symbol: QuoteSymbol): void {
    const row = rows.get(symbol)!
    if (row.paused) {
      row.paused.resume()
      row.paused = undefined
      row.pauseEl.textContent = 'Pause'
    } else {
      let resume!: () => void
      row.paused = { promise: new Promise<void>((r) => (resume = r)), resume }
      row.pauseEl.textContent = 'Resume'
      row.note = 'paused'
      draw()
    }
  }

  return card(
    'quotes',
    'Keyed broadcast',
    'Per-symbol prices from one Broadcast. Pause a symbol: its page stops reading, and on Resume it gets a gap marker for the prices it missed, then the latest. Subscribe late: the last price comes first.',
    [subscribe, unsubscribe],
    signature('quotes(symbol, { last }) → StreamCall<value | gap>'),
    table,
    line,
  )
}
