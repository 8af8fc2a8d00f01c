/**
 * Web mode: the template's real renderer in any browser, talking to the template's real backend
 * (src/main/api.ts) run in plain Node. The same sluice protocol and codec, over a WebSocket instead of an
 * Electron MessagePort: the page's src/renderer/src/sluice.ts picks the port, nothing else differs.
 *
 *   npm run start:web                       serves the built renderer (out/renderer), after building it
 *   npm run dev:web                         serves src/renderer through Vite (hot reload)
 *   tsx scripts/web-server.ts --port 5199   options: --port, --host (default 127.0.0.1), --dev
 *
 * Security: the backend reads files, so the server listens on loopback only by default, and refuses WebSocket
 * handshakes whose Origin is not this server (another site open in the same browser must not drive the api)
 * or whose Host is not a name of this machine (a DNS-rebinding page would have Origin and Host agree).
 */
import { createReadStream, existsSync, statSync } from 'node:fs'
import http from 'node:http'
import { extname, join, normalize, resolve, sep } from 'node:path'
import { parseArgs } from 'node:util'
import { DEFAULT_LIMITS } from 'sluice'
import { createHost, webSocketPort } from 'sluice/main'
import { WebSocketServer } from 'ws'
import * as api from '../src/main/api'
import { startFeeds } from '../src/main/feeds'
import { configure } from '../src/main/runtime'
import type { AppEvents } from '../src/shared/events'

const root = resolve(__dirname, '..')
const { values: args } = parseArgs({
  options: {
    port: { type: 'string', default: process.env.PORT ?? '5199' },
    host: { type: 'string', default: '127.0.0.1' },
    dev: { type: 'boolean', default: false },
  },
})

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
}

/** Serves out/renderer, never anything outside it. */
function staticFiles(dir: string): http.RequestListener {
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x')
    const rel = decodeURIComponent(url.pathname === '/' ? '/index.html' : url.pathname)
    const file = normalize(join(dir, rel))
    if (!file.startsWith(dir + sep) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found')
      return
    }
    res.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-cache',
    })
    createReadStream(file).pipe(res)
  }
}

async function main(): Promise<void> {
  const host = createHost<typeof api, AppEvents>(api, { dev: true })
  configure({ mode: 'web', sampleDir: join(root, 'resources', 'sample'), appDir: root, stats: () => host.stats() })
  const stopFeeds = startFeeds(host)

  const server = http.createServer()
  let handler: http.RequestListener
  if (args.dev) {
    const { createServer } = await import('vite')
    const vite = await createServer({
      configFile: false,
      root: join(root, 'src/renderer'),
      appType: 'spa',
      server: { middlewareMode: true, hmr: { server } },
    })
    handler = (req, res) => vite.middlewares(req, res)
  } else {
    const dir = join(root, 'out', 'renderer')
    if (!existsSync(join(dir, 'index.html'))) {
      console.error('web mode: out/renderer is missing. Build it first (npm run build), or run npm run dev:web.')
      process.exit(1)
    }
    handler = staticFiles(dir)
  }
  server.on('request', handler)

  // The names this server answers to. Binding to another interface (--host) adds that name.
  const allowedHosts = new Set(['localhost', '127.0.0.1', '[::1]', args.host])

  // noServer: Vite's hot-reload socket shares this HTTP server, so route upgrades by path.
  const wss = new WebSocketServer({ noServer: true, maxPayload: DEFAULT_LIMITS.maxMessageBytes + 1024 })
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://x')
    if (url.pathname !== '/sluice') return // someone else's (Vite's)
    const origin = req.headers.origin
    const self = `http://${req.headers.host}`
    const hostname = new URL(self).hostname
    if (origin !== self || !allowedHosts.has(hostname)) {
      console.warn(`web mode: refused a WebSocket from origin ${origin ?? '(none)'} for host ${req.headers.host ?? '(none)'}`)
      socket.end('HTTP/1.1 403 Forbidden\r\n\r\n')
      return
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      host.connect(webSocketPort(ws), { transport: 'websocket', remote: req.socket.remoteAddress, origin })
    })
  })

  const port = Number(args.port)
  await new Promise<void>((done, fail) => {
    server.once('error', fail)
    server.listen(port, args.host, done)
  })
  console.log(`sluice web mode: open http://${args.host === '0.0.0.0' ? 'localhost' : args.host}:${port}/ (${args.dev ? 'Vite dev server' : 'built renderer'}; backend: src/main/api.ts in Node ${process.version})`)

  const stop = () => {
    stopFeeds()
    host.close()
    wss.close()
    server.close()
    process.exit(0)
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
}

main().catch((e: unknown) => {
  console.error(e)
  process.exit(1)
})
