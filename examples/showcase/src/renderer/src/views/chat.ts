import { describeError, h } from '../dom'
import { card, signature, status } from './card'

type ChatEnd = Awaited<ReturnType<typeof window.api.chat>>

/**
 * A Channel: chat() returns one end of a two-way pipe. The page sends text; the host answers each message.
 * Either end can close it, and both hear about it (onClose).
 */
export function chatPanel(): HTMLElement {
  const open = h('button', { class: 'primary', 'data-testid': 'chat-open', onclick: () => void openChat() }, 'Open')
  const close = h('button', { class: 'ghost', 'data-testid': 'chat-close', disabled: true, onclick: () => closeChat() }, 'Close')
  const input = h('input', { type: 'text', placeholder: 'say something (or /bye)', 'aria-label': 'Message', 'data-testid': 'chat-input', disabled: true })
  const send = h('button', { class: 'ghost', 'data-testid': 'chat-send', disabled: true, onclick: () => void say() }, 'Send')
  const log = h('ol', { class: 'log chat grow', 'data-testid': 'chat-log' })
  const line = status('chat')
  line.textContent = 'Closed'
  let channel: ChatEnd | undefined
  let closedByMe = false

  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !send.disabled) void say()
  })

  const append = (who: 'you' | 'host', text: string) => {
    log.append(h('li', { class: who }, h('span', { class: 'who' }, who), h('span', { class: 'text' }, text)))
    log.scrollTop = log.scrollHeight
  }

  const setOpen = (on: boolean) => {
    open.disabled = on
    close.disabled = !on
    input.disabled = !on
    send.disabled = !on
  }

  async function openChat() {
    open.disabled = true
    closedByMe = false
    line.className = 'status'
    line.textContent = 'Opening…'
    try {
      const ch = (channel = await window.api.chat())
      ch.listen((message) => append('host', message))
      ch.onClose((reason) => {
        if (channel === ch) channel = undefined
        setOpen(false)
        line.className = 'status warn'
        line.textContent =
          reason !== undefined ? `Closed: ${describeError(reason)}` : closedByMe ? 'Closed by you (onClose ran)' : 'Closed by the host (onClose ran)'
      })
      setOpen(true)
      line.className = 'status done'
      line.textContent = 'Open'
      input.focus()
    } catch (e) {
      open.disabled = false
      line.className = 'status warn'
      line.textContent = describeError(e)
    }
  }

  async function say() {
    const text = input.value.trim()
    if (!text || !channel) return
    input.value = ''
    append('you', text)
    try {
      await channel.send(text)
    } catch (e) {
      line.className = 'status warn'
      line.textContent = describeError(e)
    }
  }

  function closeChat() {
    closedByMe = true
    void channel?.close()
  }

  return card(
    'chat',
    'Channel',
    'A two-way pipe to this window. The host answers every message (reversed, in capitals, with its clock). Close it from either end: send /bye and the host closes it.',
    [open, close],
    signature('chat() → Channel<string, string>'),
    h('div', { class: 'row' }, input, send),
    log,
    line,
  )
}
