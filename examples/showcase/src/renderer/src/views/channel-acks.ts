import { describeError, h } from '../dom'
import { card, say, signature } from './card'
import { chatBox } from './chat-box'

type AckChatEnd = Awaited<ReturnType<typeof window.api.ackChat>>

/**
 * Channel acks: every message shows the host's ack (what its listener returned: send() resolves with it), and
 * Abort ends the channel with a value that the host receives in its onClose. "/abort" makes the host abort.
 */
export function channelAcksPanel(): HTMLElement {
  let channel: AckChatEnd | undefined

  const box = chatBox('acks', {
    stop: 'Abort',
    onStop: () => channel?.abort({ by: 'the page', at: new Date().toLocaleTimeString('en-GB') }),
    placeholder: 'say something (or /abort)',
    label: 'Message with ack',
    async connect() {
      const ch = (channel = await window.api.ackChat())
      ch.listen((message) => box.append('host', message, ' ', h('span', { class: 'muted' }, '')))
      ch.onOpen(() => say(box.line, 'Open (onOpen ran)', 'done'))
      ch.onClose((reason) => {
        if (channel === ch) channel = undefined
        const value = (reason as { abortValue?: unknown } | undefined)?.abortValue
        box.closed(reason === undefined ? 'Closed' : value !== undefined ? `Aborted: ${JSON.stringify(value)}` : `Closed: ${describeError(reason)}`)
      })
    },
    ready: () => channel !== undefined,
    send(text) {
      const ack = h('span', { class: 'muted', 'data-testid': 'acks-ack' }, '… waiting for the ack')
      box.append('you', text, ' ', ack)
      channel!.send(text).then(
        (value) => (ack.textContent = value.at ? `✓ ack #${value.n} · ${value.words} word${value.words === 1 ? '' : 's'} · ${value.at}` : '✓ ack'),
        (e: unknown) => (ack.textContent = `✗ ${describeError(e)}`),
      )
    },
  })

  return card(
    'acks',
    'Channel acks',
    'Each send() resolves with what the host’s listener returned: its ack. Abort ends the channel with a value the other end receives; send /abort and the host aborts it.',
    box.controls,
    signature('ackChat() → Channel<string, string, ChatAck>'),
    ...box.body,
  )
}
