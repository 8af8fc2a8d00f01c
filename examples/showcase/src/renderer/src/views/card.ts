import { h } from '../dom'

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
