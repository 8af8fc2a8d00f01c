import type { SearchMatch, SearchRoot } from '../../../shared/api'
import { formatBytes, formatInt, h, perFrame } from '../dom'
import { card, status, streamButtons } from './card'

/** search(): matches stream in as the backend walks the tree; it stops at 500 or on Cancel. */
export function searchPanel(): HTMLElement {
  const input = h('input', { type: 'search', value: 'index', placeholder: 'part of a file name', 'aria-label': 'File name contains', 'data-testid': 'search-query' })
  const root = h(
    'select',
    { 'aria-label': 'Where to search', 'data-testid': 'search-root' },
    h('option', { value: 'app' }, 'app folder'),
    h('option', { value: 'sample' }, 'sample folder'),
  )
  const count = h('span', { class: 'big', 'data-testid': 'search-count' }, '0')
  const line = status('search')
  const list = h('ul', { class: 'results', 'data-testid': 'search-results' })
  let pending: SearchMatch[] = []
  let total = 0

  // Matches can arrive by the hundred per frame: append them in one DocumentFragment per frame.
  const draw = perFrame(() => {
    const frag = document.createDocumentFragment()
    for (const m of pending) frag.append(h('li', {}, h('span', { class: 'file' }, m.path), h('span', { class: 'muted' }, formatBytes(m.size))))
    pending = []
    list.append(frag)
    count.textContent = formatInt(total)
  })

  const buttons = streamButtons('search', 'Search', line, {
    busy: 'Searching…',
    reset() {
      list.replaceChildren()
      pending = []
      total = 0
      count.textContent = '0'
    },
    call: () => window.api.search(input.value, root.value as SearchRoot),
    item(m) {
      pending.push(m)
      total++
      draw()
    },
    settled: draw,
    done: (result) => `${result.truncated ? 'Stopped at the limit' : 'Done'} · ${formatInt(result.scanned)} entries scanned in ${result.ms} ms`,
  })
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !buttons.start.disabled) void buttons.run()
  })

  return card(
    'search',
    'Search files',
    'Walks a folder tree on the backend and streams every file whose name matches. Stops at 500 matches, or when you cancel.',
    [buttons.start, buttons.cancel],
    h('div', { class: 'row' }, input, root),
    h('div', { class: 'row' }, h('span', {}, count, h('span', { class: 'muted' }, ' matches')), line),
    list,
  )
}
