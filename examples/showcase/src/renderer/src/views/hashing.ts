import type { HashProgress } from '../../../shared/api'
import { formatBytes, formatInt, h, perFrame } from '../dom'
import { card, progress, signature, status, streamButtons } from './card'

/** How long one fps reading covers: short enough to show a stall, long enough not to flicker. */
const FPS_WINDOW_MS = 500

/**
 * Counts animation frames while `running`: the live rate over the last FPS_WINDOW_MS, the lowest such rate
 * of the run, and the longest gap between two frames. Only while a run is on: a meter that never stopped
 * would keep the page drawing 60 frames a second for nothing.
 */
function fpsMeter(onReading: (fps: number, lowest: number, worstGapMs: number) => void) {
  let on = false
  let windowStart = 0
  let frames = 0
  let last = 0
  let lowest = Infinity
  let worstGap = 0
  const tick = (now: number) => {
    if (!on) return
    if (last > 0) worstGap = Math.max(worstGap, now - last)
    last = now
    frames++
    if (now - windowStart >= FPS_WINDOW_MS) {
      const fps = (frames * 1000) / (now - windowStart)
      lowest = Math.min(lowest, fps)
      onReading(fps, lowest, worstGap)
      windowStart = now
      frames = 0
    }
    requestAnimationFrame(tick)
  }
  return {
    start() {
      on = true
      windowStart = performance.now()
      frames = 0
      last = 0
      lowest = Infinity
      worstGap = 0
      requestAnimationFrame(tick)
    },
    stop() {
      on = false
    },
  }
}

/**
 * hashing.hashFile(): SHA-256 over a generated file of hundreds of MiB. Under Electron it runs in a utility
 * process (src/main/index.ts routes `api.hashing.*` there), so neither this page nor main's event loop does
 * the work; the fps meter shows the page keeping its frame rate while it runs.
 */
export function hashingPanel(): HTMLElement {
  const size = h(
    'select',
    { 'aria-label': 'File size', 'data-testid': 'hashing-size' },
    h('option', { value: '64' }, '64 MiB'),
    h('option', { value: '256' }, '256 MiB'),
    h('option', { value: '1024', selected: true }, '1 GiB'),
    h('option', { value: '4096' }, '4 GiB'),
  )
  const bar = progress('hashing')
  const rate = h('span', { class: 'big', 'data-testid': 'hashing-rate' }, '0')
  const hashed = h('span', { 'data-testid': 'hashing-bytes' }, '0 B')
  const fps = h('span', { class: 'big', 'data-testid': 'hashing-fps' }, '–')
  const lowest = h('span', { 'data-testid': 'hashing-fps-min' }, '–')
  const gap = h('span', { 'data-testid': 'hashing-frame-gap' }, '–')
  const where = h('span', { class: 'muted', 'data-testid': 'hashing-where' }, 'Runs in: (asked at the first run)')
  const digest = h('code', { class: 'hash', 'data-testid': 'hashing-digest' }, '–')
  const line = status('hashing')
  let latest: HashProgress | undefined

  const draw = perFrame(() => {
    if (!latest) return
    bar.set(Math.floor((latest.done / latest.total) * 100))
    rate.textContent = formatInt(latest.mbPerSec)
    hashed.textContent = `${formatBytes(latest.done)} of ${formatBytes(latest.total)}`
  })
  const meter = fpsMeter((now, low, worst) => {
    fps.textContent = now.toFixed(0)
    lowest.textContent = low.toFixed(0)
    gap.textContent = `${worst.toFixed(0)} ms`
  })

  const buttons = streamButtons('hashing', 'Hash', line, {
    busy: 'Hashing…',
    reset() {
      latest = undefined
      bar.set(0)
      rate.textContent = '0'
      hashed.textContent = '0 B'
      digest.textContent = '–'
      for (const el of [fps, lowest, gap]) el.textContent = '–'
      meter.start()
    },
    call() {
      const s = window.api.hashing.hashFile({ mib: Number(size.value) })
      // Asked alongside the run (not before it), so Start is never held up by it.
      void window.api.hashing.where().then(
        (w) => (where.textContent = `Runs in: ${w.runsIn === 'main thread' ? 'the web server (Node)' : `a ${w.runsIn}`}, pid ${w.pid}`),
        () => {},
      )
      return s
    },
    item(p) {
      latest = p
      draw()
    },
    done(result) {
      digest.textContent = result.sha256
      return `Done · ${formatBytes(result.bytes)} in ${(result.ms / 1000).toFixed(2)} s`
    },
    after: () => meter.stop(),
  })

  return card(
    'hashing',
    'Off-main host',
    'SHA-256 over a generated file, in a utility process under Electron (main only brokered the port). The fps meter shows this page staying smooth meanwhile.',
    [size, buttons.start, buttons.cancel],
    signature('hashing.hashFile({ mib }) → { sha256, bytes, ms }'),
    bar.row,
    h(
      'div',
      { class: 'row stats' },
      h('span', {}, rate, h('span', { class: 'muted' }, ' MB/s')),
      hashed,
      line,
    ),
    h(
      'div',
      { class: 'row stats' },
      h('span', {}, fps, h('span', { class: 'muted' }, ' fps')),
      h('span', {}, h('span', { class: 'muted' }, 'lowest '), lowest),
      h('span', {}, h('span', { class: 'muted' }, 'longest frame '), gap),
    ),
    h('div', { class: 'row digest-row' }, h('span', { class: 'muted' }, 'SHA-256'), digest),
    where,
  )
}
