/**
 * The soak's front proxy on 127.0.0.1: round-robin over the app processes, failing over to the next
 * one when a connection is refused (nginx's `proxy_next_upstream error`: the request never reached
 * a backend, so sending it elsewhere is always safe). A request whose backend dies after it was sent
 * is answered 502, as nginx does for a non-idempotent request, and is never re-sent: the dead
 * process may have acted on it. Every 5xx, the backend's and the proxy's own, is recorded with its time.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FiveXx {
  at: number;
  status: number;
  method: string;
  path: string;
  backend: number;
  /** `app`: the backend answered it; `refused`: no backend took the connection; `reset`: the backend died mid-request. */
  origin: 'app' | 'refused' | 'reset';
}

export interface SoakProxy {
  url: string;
  fiveXx: FiveXx[];
  requests: number[];
  failovers: number;
  close(): Promise<void>;
}

const REQUEST_TIMEOUT_MS = 30_000;

export async function startSoakProxy(backends: number[]): Promise<SoakProxy> {
  const agents = backends.map(() => new http.Agent({ keepAlive: true, maxSockets: 64 }));
  const fiveXx: FiveXx[] = [];
  const requests = backends.map(() => 0);
  let failovers = 0;
  let next = 0;

  function forward(req: IncomingMessage, res: ServerResponse, body: Buffer, first: number, tried: number): void {
    const i = (first + tried) % backends.length;
    const record = (status: number, origin: FiveXx['origin']) => fiveXx.push({ at: Date.now(), status, method: req.method ?? 'GET', path: req.url ?? '/', backend: i, origin });
    const headers: http.OutgoingHttpHeaders = { ...req.headers, host: `127.0.0.1:${backends[i]}`, 'x-forwarded-for': req.socket.remoteAddress ?? '127.0.0.1', 'x-forwarded-proto': 'https' };
    if (body.length > 0 || req.method !== 'GET') headers['content-length'] = String(body.length);
    delete headers['transfer-encoding'];
    const upstream = http.request({ host: '127.0.0.1', port: backends[i], method: req.method, path: req.url, headers, agent: agents[i], timeout: REQUEST_TIMEOUT_MS }, (answer) => {
      requests[i]! += 1;
      const status = answer.statusCode ?? 502;
      if (status >= 500) record(status, 'app');
      res.writeHead(status, answer.headers);
      answer.pipe(res);
      answer.once('error', () => res.destroy());
    });
    upstream.once('timeout', () => upstream.destroy(new Error('upstream timeout')));
    upstream.once('error', (err: NodeJS.ErrnoException) => {
      if (res.headersSent) return res.destroy();
      // Refused: nothing reached this backend, so the next one may have it.
      if (err.code === 'ECONNREFUSED' && tried + 1 < backends.length) {
        failovers += 1;
        return forward(req, res, body, first, tried + 1);
      }
      record(502, err.code === 'ECONNREFUSED' ? 'refused' : 'reset');
      res.writeHead(502, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 'BAD_GATEWAY', message: '服务暂时不可用' }));
    });
    upstream.end(body);
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.once('end', () => {
      const first = next;
      next = (next + 1) % backends.length;
      forward(req, res, Buffer.concat(chunks), first, 0);
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    fiveXx,
    requests,
    get failovers() {
      return failovers;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      for (const a of agents) a.destroy();
    },
  };
}
