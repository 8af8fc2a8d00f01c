import type { Pulse } from '../../../shared/api'
import { describeError, h } from '../dom'
import { dashboardView } from './dashboard'

/**
 * The About window: app facts, and a live clock() stream from the backend. Closing the window ends the page,
 * and with it the stream on the host: its generator's finally runs there.
 */
export function aboutView(): HTMLElement {
  const facts = h('dl', { class: 'facts', 'data-testid': 'about-facts' })
  const pulse = h('dl', { class: 'facts', 'data-testid': 'about-pulse' })
  const line = h('div', { class: 'status', 'data-testid': 'about-status' }, 'Connecting…')

  const row = (dl: HTMLElement, k: string, v: string) => dl.append(h('dt', {}, k), h('dd', {}, v))

  void window.api.appInfo().then((info) => {
    row(facts, 'Running as', info.mode === 'electron' ? 'Electron app' : 'web mode (Node backend)')
    row(facts, 'Transport', window.sluiceTransport === 'electron' ? 'MessagePort (exposeBridge + connect)' : 'WebSocket')
    if (info.versions.electron) row(facts, 'Electron', info.versions.electron)
    row(facts, 'Node', info.versions.node)
    row(facts, 'Platform', info.platform)
    row(facts, 'Peer id', String(info.peer.id))
  })

  const show = (p: Pulse) => {
    pulse.replaceChildren()
    row(pulse, 'Backend time', p.now.toLocaleTimeString())
    row(pulse, 'Uptime', `${p.uptimeS} s`)
    row(pulse, 'Memory', `${p.rssMB} MB RSS · ${p.heapMB} MB heap`)
    row(pulse, 'Host', `${p.connections} connection${p.connections === 1 ? '' : 's'} · ${p.streams} live stream${p.streams === 1 ? '' : 's'}`)
  }

  void (async () => {
    try {
      for await (const p of window.api.clock(250)) {
        show(p)
        line.textContent = 'Live: closing this window cancels the clock() stream on the backend.'
      }
    } catch (e) {
      line.textContent = describeError(e)
    }
  })()

  return h(
    'div',
    { class: 'shell about', 'data-testid': 'about-view' },
    h('header', { class: 'top' }, h('div', { class: 'brand' }, h('span', { class: 'logo' }, '≋'), h('h1', {}, 'About'))),
    h('section', { class: 'card' }, h('h2', {}, 'This app'), facts),
    h('section', { class: 'card' }, h('h2', {}, 'Live from the backend'), pulse, line),
    h('section', { class: 'card' }, h('h2', {}, 'Live dashboard (Broadcast)'), dashboardView()),
  )
}
