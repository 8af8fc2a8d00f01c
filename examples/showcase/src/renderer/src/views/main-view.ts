import { h } from '../dom'
import { channelAcksPanel } from './channel-acks'
import { chatPanel } from './chat'
import { dashboardPanel } from './dashboard'
import { errorsPanel } from './errors'
import { filesPanel } from './files'
import { hashingPanel } from './hashing'
import { hostStats } from './host-stats'
import { noticesPanel } from './notices'
import { notesPanel } from './notes'
import { observablesPanel } from './observables'
import { processPanel } from './process'
import { quotesPanel } from './quotes'
import { reportPanel } from './report'
import { searchPanel } from './search'
import { streamsPanel } from './streams'
import { tabBar } from './tabs'
import { ticksPanel } from './ticks'
import { tokensPanel } from './tokens'
import { uploadPanel } from './upload'
import { whoAmIPanel } from './whoami'

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
  const generators = h('div', { class: 'grid' }, processPanel(), searchPanel(), tokensPanel(), errorsPanel(), hashingPanel())
  const beyond = h(
    'div',
    { class: 'grid beyond' },
    // Rows of three, balanced by height (a wide window); one column on a narrow one.
    ticksPanel(),
    reportPanel(),
    whoAmIPanel(),
    streamsPanel(),
    uploadPanel(),
    filesPanel(),
    chatPanel(),
    notesPanel(),
    noticesPanel(),
    dashboardPanel(),
    quotesPanel(),
    channelAcksPanel(),
    observablesPanel(),
  )
  const tabs = tabBar([
    { id: 'generators', label: 'Generators', panel: generators },
    { id: 'beyond', label: 'Beyond generators', panel: beyond },
  ])
  return h(
    'div',
    { class: 'shell' },
    h(
      'header',
      { class: 'top' },
      h('div', { class: 'brand' }, h('span', { class: 'logo' }, '≋'), h('h1', {}, 'sluice starter'), h('span', { class: 'badge', 'data-testid': 'transport' }, transport)),
      h('p', { class: 'muted' }, 'Typed, streaming, cancellable calls from the page to the backend in src/main/api.ts.'),
    ),
    tabs,
    h('main', { class: 'panels' }, generators, beyond),
    h('footer', { class: 'bottom' }, hostStats(), about),
  )
}
