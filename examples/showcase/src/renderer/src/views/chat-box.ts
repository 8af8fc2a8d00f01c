import { describeError, h } from '../dom'
import { say, status } from './card'

/** What a channel card adds to the box (see `chatBox`). */
export interface ChatBoxOptions {
  /** The second control, beside Open: 'Close' or 'Abort' (its test id is `<id>-close`, `<id>-abort`). */
  stop: string
  onStop(): void
  placeholder: string
  label: string
  /** Opens the channel and wires its listeners; the box is enabled once it resolves. */
  connect(): Promise<void>
  /** Whether there is a channel to send on. */
  ready(): boolean
  /** Sends one message (the box already took it and logged nothing). */
  send(text: string): void
}

/**
 * What the two channel cards (chat, acks) share: Open and a stop button, a message box that Enter or Send
 * sends, the conversation log and the status line, enabled while a channel is open. The card keeps its
 * channel and says what happens on it.
 */
export function chatBox(id: string, options: ChatBoxOptions) {
  const open = h('button', { class: 'primary', 'data-testid': `${id}-open`, onclick: () => void connect() }, 'Open')
  const stop = h('button', { class: 'ghost', 'data-testid': `${id}-${options.stop.toLowerCase()}`, disabled: true, onclick: () => options.onStop() }, options.stop)
  const input = h('input', { type: 'text', placeholder: options.placeholder, 'aria-label': options.label, 'data-testid': `${id}-input`, disabled: true })
  const send = h('button', { class: 'ghost', 'data-testid': `${id}-send`, disabled: true, onclick: () => submit() }, 'Send')
  const log = h('ol', { class: 'log chat grow', 'data-testid': `${id}-log` })
  const line = status(id)
  line.textContent = 'Closed'

  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !send.disabled) submit()
  })

  const setOpen = (on: boolean) => {
    open.disabled = on
    stop.disabled = !on
    input.disabled = !on
    send.disabled = !on
  }

  async function connect() {
    open.disabled = true
    say(line, 'Opening…')
    try {
      await options.connect()
      setOpen(true)
      input.focus()
    } catch (e) {
      open.disabled = false
      say(line, describeError(e), 'warn')
    }
  }

  function submit() {
    const text = input.value.trim()
    if (!text || !options.ready()) return
    input.value = ''
    options.send(text)
  }

  return {
    line,
    /** Adds a message from `who` to the log; `extra` goes after its text (an ack, say). */
    append(who: 'you' | 'host', text: string, ...extra: (Node | string)[]) {
      log.append(h('li', { class: who }, h('span', { class: 'who' }, who), h('span', { class: 'text' }, text, ...extra)))
      log.scrollTop = log.scrollHeight
    },
    /** The channel closed: the box is disabled and the status line says `text`. */
    closed(text: string) {
      setOpen(false)
      say(line, text, 'warn')
    },
    controls: [open, stop],
    /** The message row, the log and the status line, for the card's body. */
    body: [h('div', { class: 'row' }, input, send), log, line],
  }
}
