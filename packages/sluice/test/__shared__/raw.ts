/**
 * A raw peer: speaks frames on a real port with no client in between, as a hostile page would, and records
 * what the host answers. Used by the untrusted-input style tests in test/reliability/.
 */
import type { MessagePort } from 'node:worker_threads'

export interface WireFrame {
  t: string
  id?: number
  ref?: number
  call?: number
  n?: number
  message?: string
  frame?: string
  cancel?: true
  error?: { name: string; message: string }
  value?: unknown
  items?: unknown[]
}

export interface RawPeer {
  /** Frames received and not yet taken by `next()` (only when `keep` is on). */
  readonly frames: WireFrame[]
  /** Total frames received. */
  received: number
  send(envelope: unknown): void
  /** Takes the first frame matching `predicate`, waiting up to `ms` for it. */
  next(predicate?: (f: WireFrame) => boolean, ms?: number): Promise<WireFrame>
  close(): void
}

export function rawPeer(port: MessagePort, options: { keep?: boolean; onFrame?: (f: WireFrame) => void } = {}): RawPeer {
  const keep = options.keep ?? true
  const frames: WireFrame[] = []
  const peer: RawPeer = {
    frames,
    received: 0,
    send: (envelope) => port.postMessage(envelope),
    async next(predicate = () => true, ms = 2000) {
      const until = Date.now() + ms
      for (;;) {
        const i = frames.findIndex(predicate)
        if (i >= 0) return frames.splice(i, 1)[0]!
        if (Date.now() > until) {
          const tail = JSON.stringify(frames.slice(-5)).slice(0, 600)
          throw new Error(`the host sent no matching frame within ${ms} ms; last frames: ${tail}`)
        }
        await new Promise((r) => setTimeout(r, 2))
      }
    },
    close: () => port.close(),
  }
  port.on('message', (data: unknown) => {
    if (!Array.isArray(data)) return
    for (const f of data as WireFrame[]) {
      peer.received++
      options.onFrame?.(f)
      if (keep) frames.push(f)
    }
  })
  return peer
}

/** Waits until `predicate` holds, polling; fails with `what` after `ms`. */
export async function until(predicate: () => boolean | Promise<boolean>, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 5))
  }
}

/** `x = { a: x, b: x }`, `levels` times: a few hundred bytes on the wire, 2^levels paths for a tree walk. */
export function dag(levels: number): object {
  let x: object = { leaf: true }
  for (let i = 0; i < levels; i++) x = { a: x, b: x }
  return x
}

/** The same shape as a WireError: AggregateError nesting and a cause chain, each level holding the next twice. */
export function dagWireError(levels: number): object {
  let e: Record<string, unknown> = { name: 'Error', message: 'leaf' }
  for (let i = 0; i < levels; i++) {
    e = { name: 'AggregateError', message: `level ${i}`, errors: [e, e], cause: e, props: { v: { a: e, b: e } } }
  }
  return e
}

/**
 * The ref of a stream call's stream, from the host's `result` frame: an `iterable` ref alone at the top level of
 * its value (`{ v: null, r: [[[], 'iterable', ref]] }`). Throws when the result is not a stream's.
 */
export function streamRef(f: WireFrame): number {
  const value = f.value as { v?: unknown; r?: unknown } | undefined
  const slots = value?.r
  const slot = Array.isArray(slots) && slots.length === 1 ? (slots[0] as unknown[]) : undefined
  if (value?.v !== null || slot === undefined || !Array.isArray(slot[0]) || slot[0].length !== 0 || slot[1] !== 'iterable' || typeof slot[2] !== 'number' || slot[2] >= 0) {
    throw new Error(`not a stream call's result: ${JSON.stringify(f).slice(0, 200)}`)
  }
  return slot[2]
}

/** Opens a stream call as a raw page would, and waits for its result and its first items: returns its ref. */
export async function openStream(raw: RawPeer, id: number, path: string[], args: unknown[]): Promise<number> {
  raw.send([{ t: 'call', id, path, args: { v: args } }])
  const ref = streamRef(await raw.next((f) => f.t === 'result' && f.id === id))
  await raw.next((f) => f.t === 'ref-push' && f.ref === ref)
  return ref
}

/** Items in the `ref-push` frames the peer has kept (not yet taken by `next()`): on ref `ref`, or on any ref. */
export function pushedItems(peer: { frames: WireFrame[] }, ref?: number): number {
  let n = 0
  for (const f of peer.frames) if (f.t === 'ref-push' && (ref === undefined || f.ref === ref)) n += f.items!.length
  return n
}

/**
 * Calls `method` (as call 1) and opens the channel its result holds: grants the host's end `grant`, and waits
 * for the host to grant its own window back.
 */
export async function openChannel(peer: RawPeer, method: string, args: unknown[], grant: { n: number; b?: number } = { n: 4 }): Promise<{ ref: number; pull: WireFrame & { b?: number } }> {
  peer.send([{ t: 'call', id: 1, path: [method], args: { v: args } }])
  const result = await peer.next((f) => f.t === 'result')
  const ref = (result.value as { r: [unknown, string, number][] }).r[0]![2]
  peer.send([{ t: 'ref-pull', ref, ...grant }])
  const pull = await peer.next((f) => f.t === 'ref-pull' && f.ref === ref)
  return { ref, pull: pull as WireFrame & { b?: number } }
}

/** The host's `ref-end` with `cancel: true` for ref `id`: it ended a live value it refused. */
export function cancelled(peer: RawPeer, id: number): Promise<WireFrame> {
  return peer.next((f) => f.t === 'ref-end' && f.ref === id && f.cancel === true)
}
