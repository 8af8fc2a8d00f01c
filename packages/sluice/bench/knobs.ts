/**
 * Diagnostic knobs, read from the environment (a Worker inherits it). None is set by `npm run bench`; they
 * exist to test a hypothesis about where the time goes without editing src/, e.g.
 * `BENCH_HOST_CREDIT=256 npm run bench`. The table's header lists any that are set.
 *
 * - BENCH_WINDOW=n       client option `flow.initialWindow` (default 64)
 * - BENCH_MAX_WINDOW=n   client option `flow.maxWindow` (default 4096); BENCH_MAX_WINDOW=64 pins the old fixed window
 * - BENCH_MAX_BYTES=n    client option `flow.maxWindowBytes` (default 8 MiB), to price the byte cap on the bytes row
 * - BENCH_HOST_BATCH=n   host option `batch.maxItems` (default 1024)
 * - BENCH_NO_ALS=1       hide AsyncLocalStorage from sluice in the worker (getContext() then works only
 *                        synchronously, as in a browser), to price its promise hooks
 * - BENCH_STUB_ABORT=1   replace AbortController in the worker by a stub whose signal never aborts, to price
 *                        the AbortSignal the host makes per call (cancellation no longer reaches handlers)
 *
 * This module must be imported before sluice: it patches globals that sluice reads when it loads.
 */
import type { ClientOptions } from '../src/renderer/index.js'
import type { HostOptions } from '../src/main/index.js'

const num = (name: string) => (process.env[name] ? Number(process.env[name]) : undefined)

export const knobs = {
  window: num('BENCH_WINDOW'),
  maxWindow: num('BENCH_MAX_WINDOW'),
  maxBytes: num('BENCH_MAX_BYTES'),
  hostBatch: num('BENCH_HOST_BATCH'),
  noAls: process.env.BENCH_NO_ALS === '1',
  stubAbort: process.env.BENCH_STUB_ABORT === '1',
}

export const activeKnobs = Object.entries(knobs)
  .filter(([, v]) => v !== undefined && v !== false)
  .map(([k, v]) => `${k}=${v}`)

export const hostOptions: HostOptions = {
  limits: { maxCredit: Math.max(4096, knobs.maxWindow ?? 0, knobs.window ?? 0) },
  ...(knobs.hostBatch !== undefined && { batch: { maxItems: knobs.hostBatch } }),
}

export const clientOptions: ClientOptions = {
  flow: {
    ...(knobs.window !== undefined && { initialWindow: knobs.window }),
    ...(knobs.maxWindow !== undefined && { maxWindow: knobs.maxWindow }),
    ...(knobs.maxBytes !== undefined && { maxWindowBytes: knobs.maxBytes }),
  },
}

/** Applies the worker-side patches. Called by worker.ts before it loads sluice. */
export function patchWorkerGlobals(): void {
  if (knobs.noAls) (process as { getBuiltinModule?: unknown }).getBuiltinModule = undefined
  if (knobs.stubAbort) {
    const never = new AbortController().signal
    globalThis.AbortController = class {
      readonly signal = never
      abort(): void {}
    } as unknown as typeof AbortController
  }
}
