import { describeError, h } from '../dom'
import { card, signature, status } from './card'

type AckChatEnd = Awaited<ReturnType<typeof window.api.ackChat>>

/**
 * Channel acks: every message shows the host's ack (what its listener returned: send() resolves with it), and
 * Abort ends the channel with a value that the host receives in its onClose. "/abort" makes the host abort.
 */
export function channelAcksPanel(): HTMLElement {
  const open = h('button', { class: 'primary', 'data-testid': 'acks-open', onclick: () => void openChat() }, 'Open')
  const abort = h('button', { class: 'ghost', 'data-testid': 'acks-abort', disabled: true, onclick: () => abortChat() }, 'Abort')
  const input = h('input', { type: 'text', placeholder: 'say something (or /abort)', 'aria-label': 'Message with ack', 'data-testid': 'acks-input', disabled: true })
  const send = h('button', { class: 'ghost', 'data-testid': 'acks-send', disabled: true, onclick: () => void say() }, 'Send')
  const log = h('ol', { class: 'log chat grow', 'data-testid': 'acks-log' })
  const line = status('acks')
  line.textContent = 'Closed'
  let channel: AckChatEnd | undefined

  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !send.disabled) void say()
  })

  const append = (who: 'you' | 'host', text: string, testid?: string) => {
    const ack = h('span', { class: 'muted', 'data-testid': testid }, '')
    log.append(h('li', { class: who }, h('span', { class: 'who' }, who), h('span', { class: 'text' }, text, ' ', ack)))
    log.scrollTop = log.scrollHeight
    return ack
  }

  const setOpen = (on: boolean) => {
    open.disabled = on
    abort.disabled = !on
    input.disabled = !on
    send.disabled = !on
  }

  async function openChat() {
    open.disabled = true
    line.className = 'status'
    line.textContent = 'Opening…'
    try {
      const ch = (channel = await window.api.ackChat())
      ch.listen((message) => void append('host', message))
      ch.onOpen(() => {
        line.className = 'status done'
        line.textContent = 'Open (onOpen ran)'
      })
      ch.onClose((reason) => {
        if (channel === ch) channel = undefined
        setOpen(false)
        line.className = 'status warn'
        const value = (reason as { abortValue?: unknown } | undefined)?.abortValue
        line.textContent = reason === undefined ? 'Closed' : value !== undefined ? `Aborted: ${JSON.stringify(value)}` : `Closed: ${describeError(reason)}`
      })
      setOpen(true)
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
    const ack = append('you', text, 'acks-ack')
    ack.textContent = '… waiting for the ack'
    try {
      const value = await channel.send(text)
      ack.textContent = value.at ? `✓ ack #${value.n} · ${value.words} word${value.words === 1 ? '' : 's'} · ${value.at}` : '✓ ack'
    } catch (e) {
      ack.textContent = `✗ ${describeError(e)}`
    }
  }

  function abortChat() {
    channel?.abort({ by: 'the page', at: new Date().toLocaleTimeString('en-GB') })
  }

  return card(
    'acks',
    'Channel acks',
    'Each send() resolves with what the host’s listener returned: its ack. Abort ends the channel with a value the other end receives; send /abort and the host aborts it.',
    [open, abort],
    signature('ackChat() → Channel<string, string, ChatAck>'),
    h('div', { class: 'row' }, input, send),
    log,
    line,
  )
}
