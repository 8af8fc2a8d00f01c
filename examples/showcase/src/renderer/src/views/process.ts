import type { FileProgress, ProcessSummary } from '../../../shared/api'
import { describeError, h, perFrame } from '../dom'
import { card, runButtons, say, status } from './card'

/** processFiles(): a progress bar over the sample folder, a per-file log, and the final { ok, failed }. */
export function processPanel(): HTMLElement {
  const bar = h('progress', { max: 100, value: 0, 'data-testid': 'process-progress' })
  const percent = h('span', { class: 'percent', 'data-testid': 'process-percent' }, '0%')
  const current = h('span', { class: 'muted ellipsis' }, 'Idle')
  const log = h('ol', { class: 'log', 'data-testid': 'process-log' })
  const summary = h('div', { class: 'summary', 'data-testid': 'process-summary' })
  const line = status('process')
  let latest: FileProgress | undefined
  let stream: ReturnType<typeof window.api.processFiles> | undefined

  const draw = perFrame(() => {
    if (!latest) return
    bar.value = latest.percent
    percent.textContent = `${latest.percent}%`
    current.textContent = `${latest.index}/${latest.total} · ${latest.file}`
  })

  const buttons = runButtons(
    'process',
    'Process files',
    () => void run(),
    () => void stream?.cancel(),
  )

  async function run() {
    buttons.running(true)
    latest = undefined
    bar.value = 0
    percent.textContent = '0%'
    log.replaceChildren()
    summary.replaceChildren()
    say(line, 'Running…')
    const s = (stream = window.api.processFiles())
    try {
      for await (const p of s) {
        latest = p
        log.append(h('li', { class: p.ok ? 'ok' : 'bad' }, h('span', { class: 'mark' }, p.ok ? '✓' : '✗'), h('span', { class: 'file' }, p.file), h('span', { class: 'muted' }, p.detail)))
        log.scrollTop = log.scrollHeight
        draw()
      }
      const result: ProcessSummary = await s
      summary.append(
        h('span', { class: 'pill ok', 'data-testid': 'process-ok' }, `${result.ok} ok`),
        h('span', { class: `pill ${result.failed ? 'bad' : 'ok'}`, 'data-testid': 'process-failed' }, `${result.failed} failed`),
        h('span', { class: 'muted' }, `${result.files} files in ${result.ms} ms`),
      )
      say(line, 'Done', 'done')
    } catch (e) {
      say(line, describeError(e), 'warn')
    } finally {
      buttons.running(false)
    }
  }

  return card(
    'process',
    'Process files',
    'Reads every file in resources/sample on the backend: one progress record per file, then the { ok, failed } summary. One file is malformed on purpose.',
    [buttons.start, buttons.cancel],
    h('div', { class: 'progress-row' }, bar, percent),
    h('div', { class: 'row' }, current, line),
    log,
    summary,
  )
}
