/**
 * Web mode: an app's real renderer in any browser, talking to the app's real backend (its src/main/api.ts)
 * run in plain Node. The same sluice protocol and codec, over a WebSocket instead of an Electron MessagePort:
 * the page picks the port (src/renderer/src/api.ts), nothing else differs. It serves the starter (this repo's
 * root); examples/showcase/scripts/web-server.ts serves the showcase through the same startWebServer().
 *
 *   npm run dev:web                         the starter's src/renderer through Vite (hot reload)
 *   tsx scripts/web-server.ts --port 5199   options: --port (0: any free port), --host (default 127.0.0.1), --dev,
 *                                           --max-connections-per-address (32), --max-connections-per-origin (64)
 *
 * Security: the backend reads files, so the server listens on loopback only by default, and refuses WebSocket
 * handshakes whose Origin is not this server (another site open in the same browser must not drive the api)
 * or whose Host is not a name of this machine (a DNS-rebinding page would have Origin and Host agree).
 * Any page the user has open can still send this server requests (an <img> tag is enough), so no request,
 * however malformed, may throw: each is answered with a 4xx or closed. Per-connection limits multiply with
 * connections, so WebSocket connections are capped per client address and per origin.
 */
import { createReadStream, statSync } from 'node:fs'
import http from 'node:http'
import type { Duplex } from 'node:stream'
import { extname, join, normalize, resolve, sep } from 'node:path'
import { parseArgs } from 'node:util'
import { DEFAULT_LIMITS } from 'sluice'
import { createHost, type Host, webSocketPort } from 'sluice/main'
import { WebSocketServer } from 'ws'
import * as starterApi from '../src/main/api'

/** What the server runs: an app's backend and the folder its renderer is built from. */
export interface WebApp {
  /** The app's folder: it serves <dir>/out/renderer, or <dir>/src/renderer through Vite with --dev. */
  dir: string
  /** The backend: every own function on it is callable from the page. */
  api: object
  /** Runs once the host exists (to wire what main pushes unasked); returns what to stop at close. */
  setup?: (host: Host<object>) => (() => void) | void
}

/** The starter at this repository's root. */
export const starterApp: WebApp = { dir: resolve(__dirname, '..'), api: starterApi }

export interface WebServerOptions {
  /** TCP port; 0 picks a free one (see `WebServer.url`). Default 5199. */
  port?: number
  /** Interface to listen on. Default 127.0.0.1: the backend reads files, so only this machine may reach it. */
  host?: string
  /** Serve src/renderer through Vite's dev server (hot reload) instead of the built out/renderer. */
  dev?: boolean
  /**
   * Open sluice WebSockets from one client address. Each connection gets the full per-connection limits
   * (streams, pending calls, buffered bytes), so a page opening sockets in a loop would multiply them. 32 is
   * far more tabs than one person keeps open on a dev server; a reload frees its socket at once.
   */
  maxConnectionsPerAddress?: number
  /**
   * Open sluice WebSockets from one origin. Only this server's own origins pass the Origin check, so this is
   * the cap over every address together (with --host 0.0.0.0, a whole LAN). Default 64.
   */
  maxConnectionsPerOrigin?: number
  /** Told why a request or connection was refused (at most once a second per reason). Default console.warn. */
  log?: (message: string) => void
}

export interface WebServer {
  /** Where the server answers, with the port it got: `http://127.0.0.1:5199/`. */
  url: string
  /** The host serving the api: tests read its stats(). */
  host: Host<object>
  close(): Promise<void>
}

export const DEFAULT_WEB_SERVER_OPTIONS = Object.freeze({
  port: 5199,
  host: '127.0.0.1',
  dev: false,
  maxConnectionsPerAddress: 32,
  maxConnectionsPerOrigin: 64,
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

/** The path of a request target, or undefined when it does not parse (`GET http://[/` does not). */
function pathOf(target: string | undefined): string | undefined {
  try {
    return new URL(target ?? '/', 'http://x').pathname
  } catch {
    return undefined
  }
}

/** The hostname in a Host header, or undefined when it is not one (`Host: [`). */
function hostnameOf(host: string | undefined): string | undefined {
  if (host === undefined) return undefined
  try {
    return new URL(`http://${host}`).hostname
  } catch {
    return undefined
  }
}

/** Serves out/renderer, never anything outside it. */
function staticFiles(dir: string): http.RequestListener {
  const answer = (res: http.ServerResponse, status: number, text: string) =>
    res.writeHead(status, { 'content-type': 'text/plain', 'x-content-type-options': 'nosniff' }).end(text)
  return (req, res) => {
    const path = pathOf(req.url)
    if (path === undefined) return answer(res, 400, 'bad request target')
    let rel: string
    try {
      rel = decodeURIComponent(path === '/' ? '/index.html' : path)
    } catch {
      return answer(res, 400, 'bad percent-encoding in path')
    }
    // fs refuses paths with NUL by throwing; answer before it gets the chance.
    if (rel.includes('\0')) return answer(res, 400, 'NUL in path')
    const file = normalize(join(dir, rel))
    if (!file.startsWith(dir + sep)) return answer(res, 404, 'not found')
    let isFile = false
    try {
      isFile = statSync(file).isFile()
    } catch {
      // Missing, or a name the file system refuses: both are a 404.
    }
    if (!isFile) return answer(res, 404, 'not found')
    res.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-cache',
    })
    // A read that fails after the headers went out (the file vanished) can only cut the response short.
    createReadStream(file)
      .on('error', () => res.destroy())
      .pipe(res)
  }
}

/** Answers a socket that will not become a WebSocket, then closes it (as `ws` does for a refused handshake). */
function refuse(socket: Duplex, status: number, reason: string, body: string): void {
  if (!socket.writable) {
    socket.destroy()
    return
  }
  socket.once('finish', () => socket.destroy())
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  )
}

/** A log that says each reason at most once a second, with how many it left out: a page can refuse in a loop. */
function throttled(log: (message: string) => void): (key: string, message: string) => void {
  const last = new Map<string, { at: number; skipped: number }>()
  return (key, message) => {
    const now = Date.now()
    const seen = last.get(key)
    if (seen && now - seen.at < 1000) {
      seen.skipped++
      return
    }
    log(seen?.skipped ? `${message} (and ${seen.skipped} more like it)` : message)
    last.set(key, { at: now, skipped: 0 })
    if (last.size > 1000) last.clear()
  }
}

/**
 * Starts the web-mode server for `app`: its renderer over HTTP and its api over a WebSocket at /sluice.
 * `npm run dev:web` runs it for the starter; tests start it on port 0.
 */
export async function startWebServer(app: WebApp, options: WebServerOptions = {}): Promise<WebServer> {
  const o = { ...DEFAULT_WEB_SERVER_OPTIONS, ...options }
  const log = options.log ?? ((m: string) => console.warn(m))
  const warn = throttled(log)
  // A plain copy: run through tsx as CommonJS, `import * as api` is an exports object whose bindings are
  // getters with no 'Module' tag, and the host never runs a getter on an object it cannot tell is a module.
  const host = createHost<object>({ ...app.api }, { dev: true })
  const stopFeeds = app.setup?.(host) ?? (() => {})

  const server = http.createServer()
  let handler: http.RequestListener
  if (o.dev) {
    const { createServer } = await import('vite')
    const vite = await createServer({
      configFile: false,
      root: join(app.dir, 'src/renderer'),
      appType: 'spa',
      server: { middlewareMode: true, hmr: { server } },
    })
    handler = (req, res) => vite.middlewares(req, res)
  } else {
    const dir = join(app.dir, 'out', 'renderer')
    let built = false
    try {
      built = statSync(join(dir, 'index.html')).isFile()
    } catch {
      // Not built.
    }
    if (!built) {
      stopFeeds()
      host.close()
      throw new Error(`web mode: ${dir} is missing. Build it first (npm run build), or run npm run dev:web.`)
    }
    handler = staticFiles(dir)
  }
  server.on('request', (req, res) => {
    try {
      handler(req, res)
    } catch (e) {
      warn('request', `web mode: a request for ${JSON.stringify(req.url)} failed: ${String(e)}`)
      if (!res.headersSent) res.writeHead(400, { 'content-type': 'text/plain' }).end('bad request')
      else res.destroy()
    }
  })

  // The names this server answers to. Binding to another interface (--host) adds that name.
  const allowedHosts = new Set(['localhost', '127.0.0.1', '[::1]', o.host])
  const perAddress = new Map<string, number>()
  const perOrigin = new Map<string, number>()
  const count = (map: Map<string, number>, key: string, by: number) => {
    const n = (map.get(key) ?? 0) + by
    if (n > 0) map.set(key, n)
    else map.delete(key)
  }

  // noServer: Vite's hot-reload socket shares this HTTP server, so route upgrades by path.
  const wss = new WebSocketServer({ noServer: true, maxPayload: DEFAULT_LIMITS.maxMessageBytes + 1024 })
  const upgrade = (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = pathOf(req.url)
    if (path !== '/sluice') {
      // Vite's own listener answers its hot-reload socket; every other upgrade is answered here, so that no
      // socket is left open with nobody to close it.
      const protocol = req.headers['sec-websocket-protocol']
      if (o.dev && (protocol === 'vite-hmr' || protocol === 'vite-ping')) return
      refuse(socket, 404, 'Not Found', 'web mode: the only WebSocket here is /sluice')
      return
    }
    const origin = req.headers.origin
    const hostname = hostnameOf(req.headers.host)
    if (origin === undefined || origin !== `http://${req.headers.host}` || hostname === undefined || !allowedHosts.has(hostname)) {
      warn('origin', `web mode: refused a WebSocket from origin ${origin ?? '(none)'} for host ${req.headers.host ?? '(none)'}`)
      refuse(socket, 403, 'Forbidden', 'web mode: the sluice WebSocket is for pages of this server only')
      return
    }
    const address = req.socket.remoteAddress ?? '(unknown)'
    const full =
      (perAddress.get(address) ?? 0) >= o.maxConnectionsPerAddress
        ? `${address} has ${o.maxConnectionsPerAddress} open (maxConnectionsPerAddress)`
        : (perOrigin.get(origin) ?? 0) >= o.maxConnectionsPerOrigin
          ? `${origin} has ${o.maxConnectionsPerOrigin} open (maxConnectionsPerOrigin)`
          : undefined
    if (full !== undefined) {
      const why = `web mode: refused a WebSocket: ${full}; close one first`
      warn(`full ${address} ${origin}`, why)
      refuse(socket, 429, 'Too Many Requests', why)
      return
    }
    count(perAddress, address, 1)
    count(perOrigin, origin, 1)
    // Counted from here, so a handshake that fails inside ws (bad key, bad version) gives its place back too.
    socket.once('close', () => {
      count(perAddress, address, -1)
      count(perOrigin, origin, -1)
    })
    wss.handleUpgrade(req, socket, head, (ws) => {
      host.connect(webSocketPort(ws), { transport: 'websocket', remote: address, origin })
    })
  }
  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    // Node hands an upgrade's socket over with no 'error' listener: a peer that resets it would otherwise
    // throw from the event loop and end the process.
    socket.on('error', () => socket.destroy())
    try {
      upgrade(req, socket, head)
    } catch (e) {
      warn('upgrade', `web mode: an upgrade for ${JSON.stringify(req.url)} failed: ${String(e)}`)
      refuse(socket, 400, 'Bad Request', 'bad request')
    }
  })

  await new Promise<void>((done, fail) => {
    server.once('error', fail)
    server.listen(o.port, o.host, done)
  })
  // Once listening, an error is an accept failing (out of file descriptors, under a flood of connections):
  // that connection is lost, the server is not.
  server.on('error', (e) => warn('server', `web mode: ${String(e)}`))
  const { port } = server.address() as { port: number }
  const shown = o.host === '0.0.0.0' ? 'localhost' : o.host.includes(':') ? `[${o.host}]` : o.host
  return {
    url: `http://${shown}:${port}/`,
    host,
    async close() {
      stopFeeds()
      host.close()
      for (const ws of wss.clients) ws.terminate()
      wss.close()
      server.closeAllConnections()
      await new Promise((done) => server.close(done))
    },
  }
}

/** The command line: `tsx <script> [--port n] [--dev] ...`, serving `app` until SIGINT or SIGTERM. */
export async function runWebServer(app: WebApp, argv: string[] = process.argv.slice(2)): Promise<void> {
  const { values: args } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string', default: process.env.PORT ?? String(DEFAULT_WEB_SERVER_OPTIONS.port) },
      host: { type: 'string', default: DEFAULT_WEB_SERVER_OPTIONS.host },
      dev: { type: 'boolean', default: false },
      'max-connections-per-address': { type: 'string', default: String(DEFAULT_WEB_SERVER_OPTIONS.maxConnectionsPerAddress) },
      'max-connections-per-origin': { type: 'string', default: String(DEFAULT_WEB_SERVER_OPTIONS.maxConnectionsPerOrigin) },
    },
  })
  const whole = (flag: string, value: string, min: number) => {
    const n = Number(value)
    if (!Number.isInteger(n) || n < min) throw new Error(`web mode: --${flag} must be a whole number >= ${min}, not ${JSON.stringify(value)}`)
    return n
  }
  const web = await startWebServer(app, {
    port: whole('port', args.port, 0),
    host: args.host,
    dev: args.dev,
    maxConnectionsPerAddress: whole('max-connections-per-address', args['max-connections-per-address'], 1),
    maxConnectionsPerOrigin: whole('max-connections-per-origin', args['max-connections-per-origin'], 1),
  })
  console.log(`sluice web mode: open ${web.url} (${args.dev ? 'Vite dev server' : 'built renderer'}; backend: ${join(app.dir, 'src/main/api.ts')} in Node ${process.version})`)

  const stop = () => {
    void web.close()
    process.exit(0)
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
}

/** Runs `app`'s web server as this process's whole job, and exits with a message if it cannot start. */
export function webServerMain(app: WebApp, argv?: string[]): void {
  runWebServer(app, argv).catch((e: unknown) => {
    // Our own refusals ("web mode: ...") say all there is to say; anything else keeps its stack.
    console.error(e instanceof Error && e.message.startsWith('web mode:') ? e.message : e)
    process.exit(1)
  })
}

// Run as a script (tsx scripts/web-server.ts), it serves the starter; imported, it only provides the functions.
if (require.main === module) webServerMain(starterApp)
