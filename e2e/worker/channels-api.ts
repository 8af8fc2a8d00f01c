/**
 * Channels with acks, abort and binary, for e2e/worker/channels.spec.ts: what the host saw is read back with
 * channelProbe().
 */
import { Channel } from 'sluice/main'

const seen = { closes: [] as string[], abortValues: [] as unknown[], binaryBytes: 0 }

export function channelProbe() {
  return { ...seen }
}

/** Acks text with `{ echo, len }`, binary with its byte sum; 'boom' throws; 'abort' aborts with a value. */
export function ackChannel() {
  const channel = new Channel<string, string, { echo: string; len: number } | number, unknown>({ window: 8, windowBytes: 256 * 1024 })
  channel.onClose((reason) => {
    seen.closes.push(reason === undefined ? 'closed' : (reason as Error).name)
    if ((reason as Error)?.name === 'AbortError') seen.abortValues.push((reason as { abortValue?: unknown }).abortValue)
  })
  channel.listen((text) => {
    if (text === 'boom') throw new RangeError('boom!')
    if (text === 'abort') {
      channel.abort({ reason: 'host aborted', at: new Date(0) })
      return { echo: '', len: 0 }
    }
    return { echo: text.toUpperCase(), len: text.length }
  })
  channel.listenBinary((bytes) => {
    seen.binaryBytes += bytes.byteLength
    return bytes.reduce((a, b) => a + b, 0)
  })
  return channel.client
}
