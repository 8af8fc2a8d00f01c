import type { DashboardStats } from '../../../shared/api'
import { describeError, formatInt, h, perFrame } from '../dom'
import { card, signature, status } from './card'

type Listener = (stats: DashboardStats) => void
let listeners: Set<Listener> | undefined
let subscribed: ReturnType<Window['api']['dashboard']> | undefined

/**
 * One dashboard() subscription per page, shared by everything on it that shows the host's numbers (this card
 * and the footer), so the subscriber count the page shows is the number of windows.
 */
export function onDashboard(fn: Listener): ReturnType<Window['api']['dashboard']> {
  if (!listeners || !subscribed) {
    const all = (listeners = new Set())
    subscribed = window.api.dashboard().then((feed) => {
      feed.listen((stats) => all.forEach((l) => l(stats)))
      return feed
    })
  }
  listeners.add(fn)
  return subscribed
}

/**
 * The live dashboard: dashboard() subscribes this window to a Broadcast, and the host sends its numbers to every
 * subscribed window twice a second. The main window and the About window both show it.
 */
export function dashboardView(): HTMLElement {
  const facts = h('dl', { class: 'facts', 'data-testid': 'dashboard-facts' })
  const value = (id: string, label: string) => {
    const dd = h('dd', { 'data-testid': `dashboard-${id}` }, '–')
    facts.append(h('dt', {}, label), dd)
    return dd
  }
  const connections = value('connections', 'Connections')
  const streams = value('streams', 'Live streams')
  const refs = value('refs', 'Live refs')
  const subscribers = value('subscribers', 'Subscribers')
  const heap = value('heap', 'Heap')
  const at = value('at', 'Host time')
  const updates = value('updates', 'Updates here')
  const line = status('dashboard')
  line.textContent = 'Subscribing…'
  let latest: DashboardStats | undefined
  let received = 0

  const draw = perFrame(() => {
    if (!latest) return
    connections.textContent = formatInt(latest.connections)
    streams.textContent = formatInt(latest.streams)
    refs.textContent = formatInt(latest.refs)
    subscribers.textContent = formatInt(latest.subscribers)
    heap.textContent = `${latest.heapMB} MB`
    at.textContent = latest.at.toLocaleTimeString()
    updates.textContent = formatInt(received)
  })

  void (async () => {
    try {
      const feed = await onDashboard((stats) => {
        latest = stats
        received++
        draw()
      })
      feed.onClose((reason) => {
        line.className = 'status warn'
        line.textContent = reason === undefined ? 'The host closed the dashboard' : describeError(reason)
      })
      line.className = 'status done'
      line.textContent = 'Live: the same values reach every subscribed window'
    } catch (e) {
      line.className = 'status warn'
      line.textContent = describeError(e)
    }
  })()

  return h('div', { class: 'stack', 'data-testid': 'dashboard' }, facts, line)
}

export function dashboardPanel(): HTMLElement {
  return card(
    'dashboard',
    'Broadcast',
    'A live dashboard: the host sends the same numbers to every subscribed window twice a second. Open About… to see a second window get them too.',
    [],
    signature('dashboard() → Broadcast subscription'),
    dashboardView(),
  )
}
