/**
 * "After the current task": the point at which a batch of yields is flushed. A microtask is too early (an
 * async generator advances through microtasks, so every yield would flush alone); a timer is too late (a
 * clamped setTimeout adds milliseconds to an idle stream). setImmediate is exactly right in Node and
 * Electron's main process; a MessageChannel post is the browser equivalent.
 */
export type Schedule = (fn: () => void) => void

function messageChannelSchedule(): Schedule | undefined {
  if (typeof MessageChannel !== 'function') return undefined
  const queue: (() => void)[] = []
  const channel = new MessageChannel()
  channel.port1.onmessage = () => {
    const run = queue.splice(0)
    for (const fn of run) fn()
  }
  // Node's MessagePort would keep the process alive; unref where that exists.
  ;(channel.port1 as { unref?: () => void }).unref?.()
  return (fn) => {
    queue.push(fn)
    if (queue.length === 1) channel.port2.postMessage(0)
  }
}

const g = globalThis as { setImmediate?: (fn: () => void) => unknown }

export const afterTask: Schedule =
  typeof g.setImmediate === 'function'
    ? (fn) => void g.setImmediate!(fn)
    : (messageChannelSchedule() ?? ((fn) => void setTimeout(fn, 0)))

export const afterMicrotasks: Schedule = (fn) => queueMicrotask(fn)
