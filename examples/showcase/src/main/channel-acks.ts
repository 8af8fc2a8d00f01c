/**
 * Channel acks: a chat whose every message is acknowledged by the host with a value (send() resolves with it),
 * and which either end can abort with a value (the other end's onClose gets an AbortError carrying it).
 */
import { Channel, type ChannelEnd } from 'sluice/main'

/** What the host's listener returns for each message: the page's `send()` resolves with it. */
export interface ChatAck {
  /** The message's number on this channel. */
  n: number
  words: number
  at: string
}

/**
 * A chat with acks. Each message is acked with `{ n, words, at }` once the host has "stored" it (a few ms), and
 * answered with a line of its own. "/abort" makes the host abort the channel with `{ reason, after }`.
 */
export function ackChat(): ChannelEnd<string, string, ChatAck, unknown> {
  const channel = new Channel<string, string, ChatAck>()
  let n = 0
  channel.listen(async (text) => {
    const message = typeof text === 'string' ? text.slice(0, 500) : ''
    if (message.trim() === '/abort') {
      channel.abort({ reason: 'the host was asked to abort', after: n })
      return { n, words: 0, at: '' }
    }
    await new Promise((r) => setTimeout(r, 5))
    n++
    const at = new Date().toLocaleTimeString('en-GB')
    void channel.send(`stored #${n}`, { ack: false })
    return { n, words: message.split(/\s+/).filter(Boolean).length, at }
  })
  return channel.client
}
