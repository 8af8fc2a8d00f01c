import type { StreamCall } from 'sluice/renderer'
import { describeError, h } from '../dom'

/** A panel of the main window: a title, one line on what it shows, controls, and a body. */
export function card(id: string, title: string, blurb: string, controls: HTMLElement[], ...body: HTMLElement[]): HTMLElement {
  return h(
    'section',
    { class: 'card', 'data-testid': `${id}-card` },
    h('header', {}, h('h2', {}, title), h('div', { class: 'controls' }, ...controls)),
    h('p', { class: 'blurb' }, blurb),
    ...body,
  )
}

/** A Start/Cancel pair whose enabled state follows whether a run is in flight. */
export function runButtons(id: string, label: string, onStart: () => void, onCancel: () => void) {
  const start = h('button', { class: 'primary', 'data-testid': `${id}-start`, onclick: onStart }, label)
  const cancel = h('button', { class: 'ghost', 'data-testid': `${id}-cancel`, disabled: true, onclick: onCancel }, 'Cancel')
  return {
    start,
    cancel,
    running(on: boolean) {
      start.disabled = on
      cancel.disabled = !on
    },
  }
}

/** What a card that runs one stream call at a time does at each step of a run (see `streamButtons`). */
export interface StreamRun<T, R> {
  /** The status line while it runs, e.g. 'Running…'. */
  busy: string
  /** Clears the card for a new run, before the call is made. */
  reset(): void
  /** Makes the call. */
  call(): StreamCall<T, R>
  /** Each item, as it arrives. */
  item(value: T): void
  /** The stream's return value; returns the status line's text. */
  done(result: R): string
  /** When the stream has ended, returned or failed, before the status line says how. */
  settled?(): void
  /** Last, however the run ended. */
  after?(): void
}

/**
 * Start and Cancel for a card that runs one stream call at a time: Start runs it (each item to `item`, the
 * return value to `done`, a failure or a cancel to the status line), Cancel cancels the run in flight.
 * `run()` starts one too (for an Enter key).
 */
export function streamButtons<T, R>(id: string, label: string, line: HTMLElement, steps: StreamRun<T, R>) {
  let stream: StreamCall<T, R> | undefined
  const buttons = runButtons(
    id,
    label,
    () => void run(),
    () => void stream?.cancel(),
  )
  async function run() {
    buttons.running(true)
    steps.reset()
    say(line, steps.busy)
    const s = (stream = steps.call())
    try {
      for await (const value of s) steps.item(value)
      const result = await s
      steps.settled?.()
      say(line, steps.done(result), 'done')
    } catch (e) {
      steps.settled?.()
      say(line, describeError(e), 'warn')
    } finally {
      steps.after?.()
      buttons.running(false)
    }
  }
  return { start: buttons.start, cancel: buttons.cancel, run }
}

/** A progress bar with its percentage beside it (test ids `<id>-progress`, `<id>-percent`). */
export function progress(id: string) {
  const bar = h('progress', { max: 100, value: 0, 'data-testid': `${id}-progress` })
  const percent = h('span', { class: 'percent', 'data-testid': `${id}-percent` }, '0%')
  return {
    row: h('div', { class: 'progress-row' }, bar, percent),
    /** Shows `p` percent, a whole number from 0 to 100. */
    set(p: number) {
      bar.value = p
      percent.textContent = `${p}%`
    },
  }
}

export function status(id: string): HTMLElement {
  return h('div', { class: 'status', 'data-testid': `${id}-status`, role: 'status' })
}

/** Shows `text` in a card's status line, in the tone of how things went. */
export function say(line: HTMLElement, text: string, tone?: 'done' | 'warn'): void {
  line.textContent = text
  line.className = tone ? `status ${tone}` : 'status'
}

/** The backend call a card makes, in one line of code. */
export function signature(text: string): HTMLElement {
  return h('code', { class: 'signature' }, text)
}
