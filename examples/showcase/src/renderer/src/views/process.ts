import type { FileProgress } from '../../../shared/api'
import { h, perFrame } from '../dom'
import { card, progress, status, streamButtons } from './card'

/** processFiles(): a progress bar over the sample folder, a per-file log, and the final { ok, failed }. */
export function processPanel(): HTMLElement {
  const bar = progress('process')
  const current = h('span', { class: 'muted ellipsis' }, 'Idle')
  const log = h('ol', { class: 'log', 'data-testid': 'process-log' })
  const summary = h('div', { class: 'summary', 'data-testid': 'process-summary' })
  const line = status('process')
  let latest: FileProgress | undefined

  const draw = perFrame(() => {
    if (!latest) return
    bar.set(latest.percent)
    current.textContent = `${latest.index}/${latest.total} · ${latest.file}`
  })

  const buttons = streamButtons('process', 'Process files', line, {
    busy: 'Running…',
    reset() {
      latest = undefined
      bar.set(0)
      log.replaceChildren()
      summary.replaceChildren()
    },
    call: () => window.api.processFiles(),
    item(p) {
      latest = p
      log.append(h('li', { class: p.ok ? 'ok' : 'bad' }, h('span', { class: 'mark' }, p.ok ? '✓' : '✗'), h('span', { class: 'file' }, p.file), h('span', { class: 'muted' }, p.detail)))
      log.scrollTop = log.scrollHeight
      draw()
    },
    done(result) {
      summary.append(
        h('span', { class: 'pill ok', 'data-testid': 'process-ok' }, `${result.ok} ok`),
        h('span', { class: `pill ${result.failed ? 'bad' : 'ok'}`, 'data-testid': 'process-failed' }, `${result.failed} failed`),
        h('span', { class: 'muted' }, `${result.files} files in ${result.ms} ms`),
      )
      return 'Done'
    },
  })

  return card(
    'process',
    'Process files',
    'Reads every file in resources/sample on the backend: one progress record per file, then the { ok, failed } summary. One file is malformed on purpose.',
    [buttons.start, buttons.cancel],
    bar.row,
    h('div', { class: 'row' }, current, line),
    log,
    summary,
  )
}
