/**
 * The web-mode server's own guard: the backend reads files, so only pages it served may open the sluice
 * WebSocket. Another site open in the same browser (a foreign Origin), or a DNS-rebinding page (Origin and Host
 * agree, but Host is not this machine), is refused at the handshake.
 */
import { expect, test } from '../support/web'
import { WebSocket } from 'ws'

function handshake(baseURL: string, headers: Record<string, string>): Promise<string> {
  const url = new URL('/sluice', baseURL)
  url.protocol = 'ws:'
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers })
    ws.on('open', () => {
      ws.close()
      resolve('open')
    })
    ws.on('error', (e) => resolve(e.message))
  })
}

test('the sluice WebSocket opens only for pages of this server', async ({ baseURL }) => {
  const self = new URL(baseURL!).origin
  expect(await handshake(baseURL!, { Origin: self })).toBe('open')
  expect(await handshake(baseURL!, { Origin: 'https://evil.example' })).toMatch(/403/)
  expect(await handshake(baseURL!, {})).toMatch(/403/)
  const port = new URL(baseURL!).port
  expect(await handshake(baseURL!, { Origin: `http://rebind.example:${port}`, Host: `rebind.example:${port}` })).toMatch(/403/)
})
