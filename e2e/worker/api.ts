/**
 * The api the Web Worker host serves in e2e/worker: small on purpose, with host-side counters that the page
 * reads back through probe(), so the spec can see what the host did.
 */
import { getContext } from 'sluice/main'

const state = { finallies: 0, produced: 0, signalAborted: 0 }

export function probe() {
  return { ...state }
}

export async function add(a: number, b: number): Promise<number> {
  return a + b
}

export async function where(): Promise<string> {
  // A worker has no Node: this proves the host really runs in the browser.
  return typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope === 'function' ? 'web worker' : 'elsewhere'
}

export async function* count(n: number): AsyncGenerator<{ i: number; at: Date }, string> {
  for (let i = 0; i < n; i++) yield { i, at: new Date(i) }
  return `counted ${n}`
}

/** Never ends by itself; counts its finally, and whether its signal aborted while it waited. */
export async function* ticks(): AsyncGenerator<number, never> {
  const { signal } = getContext()
  signal.addEventListener('abort', () => state.signalAborted++)
  try {
    for (let i = 0; ; i++) {
      yield i
      await new Promise((r) => setTimeout(r, 1))
    }
  } finally {
    state.finallies++
  }
}

/** Produces as fast as it is allowed to: how far it gets shows the credit window at work. */
export async function* produce(): AsyncGenerator<number, never> {
  state.produced = 0
  try {
    for (;;) {
      state.produced++
      yield state.produced
    }
  } finally {
    state.finallies++
  }
}
export * from './broadcast-api'
export * from './blobs-api'
export * from './channels-api'
export * from './observables-api'
