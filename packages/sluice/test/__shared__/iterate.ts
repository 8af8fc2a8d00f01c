/**
 * Reads `it` until it fails (or ends), for tests of a stream whose peer went away: items already on their way
 * when it went may still be delivered first, and how many depends on timing, so a test that expects the very
 * next read to fail is flaky. Resolves with 'ended' if the stream ends quietly instead, which such a test
 * should treat as a failure.
 */
export async function readUntilFailure(it: AsyncIterator<unknown>, max = 100_000): Promise<'ended'> {
  for (let i = 0; i < max; i++) if ((await it.next()).done) return 'ended'
  throw new Error(`the stream delivered ${max} items and did not fail`)
}
