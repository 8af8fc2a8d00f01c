import { describeError } from '../dom'
import { card, say, signature } from './card'
import { chatBox } from './chat-box'

type ChatEnd = Awaited<ReturnType<typeof window.api.chat>>

/**
 * A Channel: chat() returns one end of a two-way pipe. The page sends text; the host answers each message.
 * Either end can close it, and both hear about it (onClose).
 */
export function chatPanel(): HTMLElement {
  let channel: ChatEnd | undefined
  let closedByMe = false

  const box = chatBox('chat', {
    stop: 'Close',
    onStop() {
      closedByMe = true
      void channel?.close()
    },
    placeholder: 'say something (or /bye)',
    label: 'Message',
    async connect() {
      closedByMe = false
      const ch = (channel = await window.api.chat())
      ch.listen((message) => box.append('host', message))
      ch.onClose((reason) => {
        if (channel === ch) channel = undefined
        box.closed(reason !== undefined ? `Closed: ${describeError(reason)}` : closedByMe ? 'Closed by you (onClose ran)' : 'Closed by the host (onClose ran)')
      })
      say(box.line, 'Open', 'done')
    },
    ready: () => channel !== undefined,
    send(text) {
      box.append('you', text)
      channel!.send(text).catch((e: unknown) => say(box.line, describeError(e), 'warn'))
    },
  })

  return card(
    'chat',
    'Channel',
    'A two-way pipe to this window. The host answers every message (reversed, in capitals, with its clock). Close it from either end: send /bye and the host closes it.',
    box.controls,
    signature('chat() → Channel<string, string>'),
    ...box.body,
  )
}
