import { release } from 'sluice/renderer'
import { describeError, formatInt, h, perFrame } from '../dom'
import { card, say, signature, status } from './card'

const LANE = 24

/**
 * Callbacks: the page hands subscribeTicks() a function, and the host calls it on a timer. The host hands back
 * another function, the unsubscribe: calling it here runs it there.
 */
export function ticksPanel(): HTMLElement {
  const every = h(
    'select',
    { 'aria-label': 'Tick interval', 'data-testid': 'ticks-every' },
    h('option', { value: '50' }, 'every 50 ms'),
    h('option', { value: '100', selected: true }, 'every 100 ms'),
    h('option', { value: '500' }, 'every 500 ms'),
  )
  const start = h('button', { class: 'primary', 'data-testid': 'ticks-start', onclick: () => void subscribe() }, 'Start')
  const stop = h('button', { class: 'ghost', 'data-testid': 'ticks-stop', disabled: true, onclick: () => void unsubscribe() }, 'Stop')
  const count = h('span', { class: 'big', 'data-testid': 'ticks-count' }, '0')
  const last = h('span', { 'data-testid': 'ticks-last' }, '–')
  const cells = Array.from({ length: LANE }, () => h('span', { class: 'cell' }))
  const line = status('ticks')
  line.textContent = 'Not subscribed'
  let received = 0
  let lastN = 0
  let stopper: (() => Promise<void>) | undefined

  const draw = perFrame(() => {
    count.textContent = formatInt(received)
    last.textContent = received ? `#${lastN}` : '–'
    cells.forEach((c, i) => c.classList.toggle('on', received > 0 && i === (lastN - 1) % LANE))
  })

  const onTick = (n: number) => {
    received++
    lastN = n
    draw()
  }

  async function subscribe() {
    start.disabled = true
    every.disabled = true
    received = 0
    draw()
    line.className = 'status'
    line.textContent = 'Subscribing…'
    try {
      stopper = await window.api.subscribeTicks(onTick, Number(every.value))
      line.textContent = `Subscribed: the host calls this page's function every ${every.value} ms`
      stop.disabled = false
    } catch (e) {
      say(line, describeError(e), 'warn')
      start.disabled = false
      every.disabled = false
    }
  }

  async function unsubscribe() {
    const s = stopper
    stopper = undefined
    stop.disabled = true
    try {
      await s?.()
      say(line, `Unsubscribed after ${formatInt(received)} ticks: the host cleared its timer`, 'done')
    } catch (e) {
      say(line, describeError(e), 'warn')
    } finally {
      // Done with the host's function: let it go now rather than at the next garbage collection.
      if (s) release(s)
      start.disabled = false
      every.disabled = false
    }
  }

  return card(
    'ticks',
    'Callbacks',
    'The page passes a function, the host calls it on a timer and returns the unsubscribe. Close the window and the host stops too: its next call fails with a DisconnectedError.',
    [start, stop],
    signature('subscribeTicks(onTick, everyMs) → unsubscribe()'),
    h('div', { class: 'row stats' }, h('span', {}, count, h('span', { class: 'muted' }, ' ticks')), h('span', { class: 'muted' }, 'last ', last), every),
    h('div', { class: 'lane', 'aria-hidden': 'true' }, ...cells),
    line,
  )
}
