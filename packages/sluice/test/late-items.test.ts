/**
 * Items that reach a consumer after it let go of their stream (a cancel crossed them on the wire) may carry
 * live values the producer exported: a callback, a promise, a Blob. They must still be ended, or the producer
 * holds them until the connection closes.
 */
import { describe, it } from 'vitest'
import { release } from '../src/renderer/index.js'
import { pairs } from './__shared__/pairs.js'

describe.each(pairs)('late items over $name', (factory) => {
  it('items that arrive after a cancel have their live values ended: host refs return to zero', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    for (let round = 0; round < 20; round++) {
      const reader = (await api.callbackItems()).getReader()
      // Read past half the window, so a grant is on its way when the cancel follows it.
      for (let i = 0; i < 40 + round; i++) release((await reader.read()).value!.cb)
      await reader.cancel()
    }
    await pair.waitFor((s) => s.refs === 0 && s.streams === 0, 5000)
  })

  it('yields that arrive after a break have their live values ended: host refs return to zero', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    for (let round = 0; round < 20; round++) {
      let read = 0
      for await (const item of api.callbackYields()) {
        release(item.cb)
        if (++read >= 40 + round) break
      }
    }
    await pair.waitFor((s) => s.refs === 0 && s.calls === 0, 5000)
  })
})
