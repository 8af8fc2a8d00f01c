import { h } from '../dom'
import { errorsPanel } from './errors'
import { hostStats } from './host-stats'
import { processPanel } from './process'
import { searchPanel } from './search'
import { tokensPanel } from './tokens'

export function mainView(): HTMLElement {
  const transport = window.sluiceTransport === 'electron' ? 'Electron · MessagePort' : 'Browser · WebSocket'
  const about = h(
    'button',
    {
      class: 'ghost',
      'data-testid': 'open-about',
      // Under Electron, main's setWindowOpenHandler turns this into a proper window; in a browser it is a popup.
      onclick: () => void window.open('?view=about', 'about', 'width=460,height=560'),
    },
    'About…',
  )
  return h(
    'div',
    { class: 'shell' },
    h(
      'header',
      { class: 'top' },
      h('div', { class: 'brand' }, h('span', { class: 'logo' }, '≋'), h('h1', {}, 'sluice starter'), h('span', { class: 'badge', 'data-testid': 'transport' }, transport)),
      h('p', { class: 'muted' }, 'Typed, streaming, cancellable calls from the page to the backend in src/main/api.ts.'),
    ),
    h('main', { class: 'grid' }, processPanel(), searchPanel(), tokensPanel(), errorsPanel()),
    h('footer', { class: 'bottom' }, hostStats(), about),
  )
}
