/** What the browser bench's driver (bench/browser.ts), page (page.ts) and worker (worker.ts) say to each other. */

/** The rows of the browser table, each measured once per round. */
export type BrowserRow = 'idle' | 'sluice' | 'paced' | 'raw'

/** One run of one row, measured in the page. */
export interface RunResult {
  /** Items per second, counted in the page, from the request to the last item. */
  rate: number
  /** Animation frames per second during the run. */
  fps: number
  /** The longest wait between two animation frames, run start and end included, in ms. */
  maxGap: number
  /** Items per post (sluice's `yield` frames, raw's arrays); 0 for `idle`. */
  perPost: number
}

/** The page's handle, on `window.bench` once the worker and the connections are up. */
export interface PageBench {
  run(row: BrowserRow, n: number, options: RunOptions): Promise<RunResult>
}

export interface RunOptions {
  /** The raw producer gives its event loop a turn between posts (BENCH_RAW_TURNS=1), rather than one synchronous loop. */
  rawTurns: boolean
}

/** page → worker over the worker's own port: attach this port (transferred) as a sluice peer or a raw producer. */
export interface Attach {
  kind: 'sluice' | 'raw'
}

/**
 * page → worker, on the raw port: post `n` items, `batch` per post, as fast as the worker can; with `turns`, it
 * gives its event loop a turn between posts, without them it posts everything in one synchronous loop.
 */
export interface RawFlood {
  n: number
  batch: number
  turns: boolean
}
