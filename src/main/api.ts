/**
 * The backend: every function exported here is callable from the renderer as `window.api.<name>(...)`, typed
 * from this file. Keep helpers unexported, and treat every argument as untrusted (a page can send anything).
 * It runs in Electron's main process, and in plain Node for the web mode, so it never imports `electron`.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { getContext } from 'sluice/main'

/** A plain call: the page awaits the answer. */
export async function greet(name: string): Promise<string> {
  const who = String(name).trim().slice(0, 40) || 'stranger'
  const runtime = process.versions.electron ? `Electron ${process.versions.electron}` : `Node ${process.versions.node}`
  return `Hello, ${who}, from ${runtime}`
}

export interface Progress {
  done: number
  total: number
}

export interface Summary {
  total: number
  ms: number
}

/**
 * A stream: each `yield` reaches the page's `for await` as progress, and the `return` value is what the page's
 * `await` gets. When the page cancels, sluice returns this generator and aborts the call's signal, so the
 * sleep in flight stops at once rather than at the next step.
 */
export async function* countTo(total: number, stepMs = 50): AsyncGenerator<Progress, Summary> {
  const { signal } = getContext()
  const steps = Math.min(Math.max(Math.floor(Number(total)) || 1, 1), 10_000)
  const every = Math.min(Math.max(Number(stepMs) || 0, 0), 1000)
  const t0 = Date.now()
  for (let done = 1; done <= steps; done++) {
    await sleep(every, undefined, { signal })
    yield { done, total: steps }
  }
  return { total: steps, ms: Date.now() - t0 }
}
