/**
 * The harness of the exhaustion tests (test/reliability/exhaustion-*.test.ts), issue 7: for each limit, one
 * peer fills it, then makes 100k attempts past it. Each attempt must get a clear error (one that names the
 * limit), the host's heap must grow by less than 20 MB over the 100k, and a bystander peer on the same host
 * must keep getting right answers.
 *
 * Limits are set small (the override must be honoured) so that reaching them is cheap and the 100k attempts
 * are all past them. Host and peers share one thread, so the heap measured is the host's own, after gc().
 */
import { MessageChannel, type MessagePort } from 'node:worker_threads'
import { expect, it } from 'vitest'
import { createHost, type Host } from '../../src/main/index.js'
import { createClient, type Client } from '../../src/renderer/index.js'
import type { SluiceLimits } from '../../src/shared/limits.js'
import { rawPeer, until, type WireFrame } from './raw.js'
import * as hostileApi from '../fixtures/hostile-api.js'
import { resetHostile } from '../fixtures/hostile-state.js'

type Api = typeof hostileApi

export const ATTEMPTS = 100_000
export const MB = 1024 * 1024
const gc = (globalThis as { gc?: () => void }).gc

export async function heapUsed(): Promise<number> {
  if (!gc) throw new Error('run with --expose-gc (vitest.config.ts sets it)')
  for (let i = 0; i < 3; i++) {
    gc()
    await new Promise((r) => setTimeout(r, 5))
  }
  return process.memoryUsage().heapUsed
}

export interface Attacker {
  port: MessagePort
  send(envelope: unknown[]): void
  /** Frames answered so far that `isAnswer` accepted, and the first few it did not. */
  answered: number
  wrong: string[]
}

/** A host with an attacker and a bystander on it. Disposable: `using s = setup(…)`. */
export interface Setup extends Disposable {
  host: Host<Api>
  attacker: Attacker
  bystander: Client<Api>
}

export const call = (id: number, path: string[], args: unknown) => ({ t: 'call', id, path, args })

export function setup(limits: Partial<SluiceLimits>, isAnswer: (f: WireFrame) => boolean | undefined, pattern: RegExp): Setup {
  resetHostile()
  hostileApi.forget()
  const host = createHost(hostileApi, { limits })
  const a = new MessageChannel()
  const b = new MessageChannel()
  host.connect(a.port1)
  host.connect(b.port1)
  const attacker: Attacker = { port: a.port2, send: (e) => a.port2.postMessage(e), answered: 0, wrong: [] }
  rawPeer(a.port2, {
    keep: false,
    onFrame: (f) => {
      const verdict = isAnswer(f)
      if (verdict === undefined) return // not about an attempt
      const message = f.error?.message ?? f.message ?? ''
      if (verdict && pattern.test(message)) attacker.answered++
      else if (attacker.wrong.length < 5) attacker.wrong.push(JSON.stringify(f).slice(0, 300))
    },
  })
  return {
    host,
    attacker,
    bystander: createClient<Api>(b.port2),
    [Symbol.dispose]() {
      host.close()
      for (const p of [a.port1, a.port2, b.port1, b.port2]) p.close()
    },
  }
}

/** The bystander's calls and a short stream still answer right, and promptly. */
export async function bystanderServed(bystander: Client<Api>): Promise<void> {
  const started = Date.now()
  expect(await bystander.add(40, 2)).toBe(42)
  const items: number[] = []
  for await (const x of bystander.count(100)) items.push(x)
  expect(items).toEqual(Array.from({ length: 100 }, (_, i) => i))
  expect(Date.now() - started).toBeLessThan(2000)
}

/**
 * Sends `ATTEMPTS` attempts, `perEnvelope` to a message, waiting now and then for the answers to catch up so
 * that the queue between the two ends stays short (the heap measured is the host's, not the port's backlog).
 */
export async function attempts(s: Setup, frames: (i: number) => unknown[], perEnvelope: number): Promise<void> {
  let sent = 0
  while (sent < ATTEMPTS) {
    const envelope: unknown[] = []
    for (let j = 0; j < perEnvelope && sent < ATTEMPTS; j++) envelope.push(...frames(sent++))
    s.attacker.send(envelope)
    if (sent % 10_000 < perEnvelope || sent === ATTEMPTS) {
      await until(() => s.attacker.answered + s.attacker.wrong.length >= sent || s.attacker.wrong.length >= 5, `answers to ${sent} attempts (got ${s.attacker.answered})`, 20_000)
      if (s.attacker.wrong.length >= 5) break
      if (sent === ATTEMPTS / 2) await bystanderServed(s.bystander)
    }
  }
}

export interface Case {
  limit: string
  limits: Partial<SluiceLimits>
  /** Brings the attacker up to the limit. */
  fill(s: Setup): Promise<void>
  /** The frames of attempt `i`. */
  attempt(i: number): unknown[]
  perEnvelope: number
  /** True for an answer to an attempt, false for a frame that should have been one, undefined for others. */
  isAnswer(f: WireFrame): boolean | undefined
  pattern: RegExp
  /** What must hold afterwards, beyond the answers. */
  after?(s: Setup): void
}

export const ATTEMPT_ID = 1_000_000
export const isCallAnswer = (f: WireFrame) => (typeof f.id === 'number' && f.id >= ATTEMPT_ID ? f.t === 'error' : undefined)
export const isProtocolError = (tag?: string) => (f: WireFrame) => (f.t === 'protocol-error' ? tag === undefined || f.frame === tag : undefined)
export const refArg = (kind: string, ref: number) => ({ v: [null], r: [[[0], kind, ref]] })

/** One `it` per case: fill, 100k attempts, then the checks every case shares. */
export function exhaust(cases: Case[]): void {
  it.each(cases)('answers each attempt past $limit with a clear error, with bounded heap and a served bystander', async (c) => {
    using s = setup(c.limits, c.isAnswer, c.pattern)
    await c.fill(s)
    await bystanderServed(s.bystander)
    const before = await heapUsed()
    await attempts(s, c.attempt, c.perEnvelope)
    expect(s.attacker.wrong, 'answers that are not a clear error about the limit').toEqual([])
    expect(s.attacker.answered).toBe(ATTEMPTS)
    const growth = (await heapUsed()) - before
    expect(growth / MB, `heap grew by ${(growth / MB).toFixed(1)} MB`).toBeLessThan(20)
    await bystanderServed(s.bystander)
    c.after?.(s)
  }, 60_000)
}
