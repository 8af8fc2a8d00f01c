import { describeError, formatBytes, formatInt, h } from '../dom'
import { card, say, signature, status } from './card'
import { sampleSelect } from './samples'

/**
 * Nested promises: fileReport() returns an object at once (name, size) whose `words` and `digest` are promises
 * that settle later, each on its own. Every field shows when it arrived.
 */
export function reportPanel(): HTMLElement {
  const pick = sampleSelect('report-file', 'notes/canal-history.txt')
  const go = h('button', { class: 'primary', 'data-testid': 'report-start', onclick: () => void run() }, 'Report')
  const facts = h('dl', { class: 'facts report' })
  const line = status('report')
  const field = (id: string, label: string) => {
    const value = h('span', { 'data-testid': `report-${id}` }, '–')
    const at = h('span', { class: 'muted at', 'data-testid': `report-${id}-at` })
    const dd = h('dd', { 'data-state': 'idle', 'data-testid': `report-${id}-field` }, value, at)
    facts.append(h('dt', {}, label), dd)
    return { dd, value, at }
  }
  const fields = { name: field('name', 'Name'), bytes: field('bytes', 'Size'), words: field('words', 'Words'), digest: field('digest', 'SHA-256') }
  fields.digest.value.classList.add('hash')
  let run_ = 0

  async function run() {
    const mine = ++run_
    const t0 = performance.now()
    for (const f of Object.values(fields)) {
      f.dd.dataset['state'] = 'pending'
      f.value.textContent = '…'
      f.at.textContent = ''
    }
    line.className = 'status'
    line.textContent = 'Asking…'
    const fill = (f: (typeof fields)[keyof typeof fields], text: string, state = 'done') => {
      if (mine !== run_) return
      f.dd.dataset['state'] = state
      f.value.textContent = text
      f.at.textContent = `+${Math.round(performance.now() - t0)} ms`
    }
    try {
      const report = await window.api.fileReport(pick.value)
      fill(fields.name, report.name)
      fill(fields.bytes, formatBytes(report.bytes))
      line.textContent = 'The object is here; its promises are still running on the host'
      const words = report.words.then((n) => fill(fields.words, formatInt(n)), (e: unknown) => fill(fields.words, describeError(e), 'failed'))
      const digest = report.digest.then((d) => fill(fields.digest, d), (e: unknown) => fill(fields.digest, describeError(e), 'failed'))
      await Promise.all([words, digest])
      if (mine !== run_) return
      say(line, 'Every promise has settled', 'done')
    } catch (e) {
      if (mine !== run_) return
      for (const f of Object.values(fields)) fill(f, '–', 'idle')
      say(line, describeError(e), 'warn')
    }
  }

  return card(
    'report',
    'Nested promises',
    'The report arrives at once with the name and size; the word count and the SHA-256 digest are promises inside it, settling later on their own.',
    [go],
    signature('fileReport(name) → { name, bytes, words: Promise, digest: Promise }'),
    h('div', { class: 'row' }, pick),
    facts,
    line,
  )
}
