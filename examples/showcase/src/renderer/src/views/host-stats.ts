import { h } from '../dom'
import { onDashboard } from './dashboard'

/** The footer: the host's live connections and streams, from the dashboard() broadcast (twice a second). */
export function hostStats(): HTMLElement {
  const el = h('span', { class: 'muted', 'data-testid': 'host-stats' }, 'host: …')
  const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`
  onDashboard((s) => (el.textContent = `host: ${plural(s.connections, 'connection')} · ${plural(s.streams, 'live stream')}`)).then(
    (feed) => feed.onClose(() => (el.textContent = 'host: disconnected')),
    () => (el.textContent = 'host: disconnected'),
  )
  return el
}
