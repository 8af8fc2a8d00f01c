import { events } from 'sluice/renderer'
import type { AppEvents } from '../../../shared/api'
import { formatInt, h } from '../dom'
import { card, signature, status } from './card'

/** Typed events: every window hears the host's `notice` events (a note was created, in any window). */
export function noticesPanel(): HTMLElement {
  const log = h('ol', { class: 'log grow', 'data-testid': 'notices-log' })
  const count = h('span', { class: 'big', 'data-testid': 'notices-count' }, '0')
  const line = status('notices')
  line.textContent = 'Listening for notice events'
  let received = 0

  events<AppEvents>(window.api).on('notice', (text, at) => {
    received++
    count.textContent = formatInt(received)
    log.prepend(h('li', {}, h('span', { class: 'muted' }, at.toLocaleTimeString()), h('span', { class: 'text' }, text)))
    while (log.childElementCount > 50) log.lastElementChild!.remove()
  })

  return card(
    'notices',
    'Events',
    'The host emits typed events (AppEvents) to every window. Create a note here or in another window: each one hears the notice.',
    [],
    signature("events<AppEvents>(api).on('notice', (text, at) => …)"),
    h('div', { class: 'row stats' }, h('span', {}, count, h('span', { class: 'muted' }, ' notices')), line),
    log,
  )
}
