import { h } from '../dom'

/** The footer: the host's live numbers (debugStats()), polled twice a second. */
export function hostStats(): HTMLElement {
  const el = h('span', { class: 'muted', 'data-testid': 'host-stats' }, 'host: …')
  const tick = async () => {
    try {
      const { host, finallies } = await window.api.debugStats()
      const ended = Object.values(finallies).reduce((a, b) => a + b, 0)
      el.textContent = host
        ? `host: ${host.connections} connection${host.connections === 1 ? '' : 's'} · ${host.streams} live stream${host.streams === 1 ? '' : 's'} · ${ended} generator finally blocks run`
        : 'host: no stats'
    } catch {
      el.textContent = 'host: disconnected'
    }
  }
  void tick()
  setInterval(() => void tick(), 500)
  return el
}
