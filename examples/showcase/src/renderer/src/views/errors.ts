import { h } from '../dom'
import { card, runButtons } from './card'

/** flaky(): two yields, then a thrown Error: the page shows both steps, then the error, message and code. */
export function errorsPanel(): HTMLElement {
  const steps = h('ol', { class: 'log', 'data-testid': 'error-steps' })
  const box = h('div', { class: 'error-box', hidden: true, 'data-testid': 'error-message', role: 'alert' })
  let stream: ReturnType<typeof window.api.flaky> | undefined

  const buttons = runButtons(
    'error',
    'Run a failing task',
    () => void run(),
    () => void stream?.cancel(),
  )

  async function run() {
    buttons.running(true)
    steps.replaceChildren()
    box.hidden = true
    box.replaceChildren()
    const s = (stream = window.api.flaky())
    try {
      for await (const step of s) steps.append(h('li', { class: 'ok' }, h('span', { class: 'mark' }, '✓'), h('span', {}, step)))
    } catch (e) {
      const err = e as Error & { code?: string }
      box.hidden = false
      box.append(h('strong', {}, `${err.name}: `), err.message, ...(err.code ? [h('code', {}, err.code)] : []))
    } finally {
      buttons.running(false)
    }
  }

  return card(
    'error',
    'Errors',
    'A stream that yields two steps and then throws on the backend. The error reaches the page with its name, message and own properties.',
    [buttons.start, buttons.cancel],
    steps,
    box,
  )
}
