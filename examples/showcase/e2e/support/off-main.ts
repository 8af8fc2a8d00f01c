/**
 * What both Off-main host specs (e2e/web, e2e/electron) measure the same way: the digest hashFile() should
 * give, and the frame rate of a page.
 */
import { createHash } from 'node:crypto'
import type { Page } from '@playwright/test'

/**
 * SHA-256 of the file hashFile() generates, computed here from its description in src/main/hashing.ts (chunk i:
 * 1 MiB of xorshift32 words seeded with (i + 1) * 0x9e3779b9), not by calling the app's code: a generator
 * that drifted from its description would fail the specs rather than agree with itself.
 */
export function expectedDigest(mib: number): string {
  const words = new Uint32Array(256 * 1024)
  const hash = createHash('sha256')
  for (let i = 0; i < mib; i++) {
    let x = Math.imul(i + 1, 0x9e3779b9) >>> 0 || 1
    for (let k = 0; k < words.length; k++) {
      x ^= x << 13
      x ^= x >>> 17
      x ^= x << 5
      words[k] = x >>> 0
    }
    hash.update(new Uint8Array(words.buffer))
  }
  return hash.digest('hex')
}

/**
 * Frames `page` draws in `ms`, counted by requestAnimationFrame in the page itself (not by the card's own meter,
 * which is what is being checked): the rate and the longest gap between two frames.
 */
export function measureFps(page: Page, ms: number): Promise<{ fps: number; frames: number; worstGapMs: number }> {
  return page.evaluate(
    (ms) =>
      new Promise((resolve) => {
        let first = 0
        let last = 0
        let frames = 0
        let worst = 0
        const tick = (now: number) => {
          if (first === 0) first = now
          else worst = Math.max(worst, now - last)
          last = now
          frames++
          if (now - first < ms) requestAnimationFrame(tick)
          else resolve({ fps: ((frames - 1) * 1000) / (now - first), frames, worstGapMs: worst })
        }
        requestAnimationFrame(tick)
      }),
    ms,
  )
}
