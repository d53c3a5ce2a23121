/**
 * A small node:http server on 127.0.0.1 (port 0) for wire-protocol tests: it records what the
 * client sent, tells when a response was closed by the client, and writes payloads split at
 * arbitrary byte boundaries (to catch clients that assume one frame per read).
 */
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** A request as the server received it. */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
  /** The body parsed as JSON, or undefined. */
  json: unknown;
}

/** Handles one request; `body` is already read. */
export type TestHandler = (
  request: RecordedRequest,
  response: ServerResponse,
  server: HttpTestServer,
) => void | Promise<void>;

/** A deterministic pseudo-random generator (mulberry32), so split points are reproducible. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The running server. */
export class HttpTestServer {
  readonly requests: RecordedRequest[] = [];
  /** Split writes at random byte boundaries (default true). */
  splitWrites = true;
  /** Delay between split pieces in ms (0: yield to the event loop only). */
  pieceDelayMs = 0;
  private readonly random = seededRandom(20_260_521);
  private readonly sockets = new Set<Socket>();
  private closeWaiters: Array<(at: number) => void> = [];
  private url_ = '';

  private constructor(
    private readonly server: Server,
    private handler: TestHandler,
  ) {}

  /** Starts a server on 127.0.0.1 with a random free port. */
  static async start(handler: TestHandler): Promise<HttpTestServer> {
    let instance: HttpTestServer | undefined;
    const server = createServer((request, response) => {
      void instance!.handle(request, response);
    });
    instance = new HttpTestServer(server, handler);
    server.on('connection', (socket) => {
      instance!.sockets.add(socket);
      socket.on('close', () => instance!.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    instance.url_ = `http://127.0.0.1:${port}`;
    return instance;
  }

  /** `http://127.0.0.1:<port>`. */
  get url(): string {
    return this.url_;
  }

  /** Replaces the request handler. */
  setHandler(handler: TestHandler): void {
    this.handler = handler;
  }

  /** The last recorded request. */
  lastRequest(): RecordedRequest | undefined {
    return this.requests.at(-1);
  }

  /**
   * Resolves with `performance.now()` when the next response is closed by the client before
   * the server ended it (abort observed server-side).
   */
  connectionClosed(): Promise<number> {
    return new Promise((resolve) => this.closeWaiters.push(resolve));
  }

  /** Writes `payload`, split into random pieces when {@link splitWrites} is on. */
  async write(response: ServerResponse, payload: string): Promise<void> {
    const bytes = Buffer.from(payload, 'utf8');
    if (!this.splitWrites || bytes.length < 2) {
      if (!response.destroyed) response.write(bytes);
      return;
    }
    let offset = 0;
    while (offset < bytes.length) {
      const size = 1 + Math.floor(this.random() * Math.min(24, bytes.length - offset));
      if (response.destroyed) return;
      response.write(bytes.subarray(offset, offset + size));
      offset += size;
      // Yielding lets the pieces reach the client as separate reads most of the time.
      if (this.pieceDelayMs > 0) await sleep(this.pieceDelayMs);
      else await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /** Stops the server, destroying open connections. */
  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    let json: unknown;
    try {
      json = body.length > 0 ? JSON.parse(body) : undefined;
    } catch {
      json = undefined;
    }
    const recorded: RecordedRequest = {
      method: request.method ?? 'GET',
      path: request.url ?? '/',
      headers: request.headers,
      body,
      json,
    };
    this.requests.push(recorded);
    response.on('close', () => {
      if (response.writableFinished) return;
      const at = performance.now();
      const waiters = this.closeWaiters;
      this.closeWaiters = [];
      for (const waiter of waiters) waiter(at);
    });
    try {
      await this.handler(recorded, response, this);
    } catch (error) {
      if (!response.headersSent) {
        response.writeHead(500, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ error: `test server failure: ${String(error)}` }));
      } else response.destroy();
    }
  }
}

/** Sends a JSON response. */
export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}

/** Waits `ms` milliseconds. */
export { sleep };
