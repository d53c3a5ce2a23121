/**
 * `@tinyllm/server/node`: run a {@link TinyLLMServer} on Node's HTTP server through
 * `@hono/node-server`, which turns a closed client connection into an aborted request signal
 * and a cancelled response stream (both stop generation).
 *
 * @packageDocumentation
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve as serveWithNode } from '@hono/node-server';
import type { TinyLLMServer } from '../server';

/** Options of {@link serve}. */
export interface ServeOptions {
  /** Port to listen on; 0 picks a free one. Default 8080. */
  port?: number;
  /** Interface to listen on. Default `127.0.0.1` (only this machine). */
  hostname?: string;
}

/** A running server. */
export interface RunningServer {
  /** Base URL, e.g. `http://127.0.0.1:8080`; the OpenAI base URL is `${url}/v1`. */
  url: string;
  port: number;
  /** Stops accepting connections and closes open ones (streams in flight are aborted). */
  close(): Promise<void>;
}

/**
 * Listens on `hostname:port` and resolves once the server accepts connections.
 *
 * @example
 * ```ts
 * const running = await serve(createServer({ models }), { port: 8080 });
 * // OpenAI base URL: `${running.url}/v1`
 * ```
 */
export function serve(server: TinyLLMServer, options: ServeOptions = {}): Promise<RunningServer> {
  const hostname = options.hostname ?? '127.0.0.1';
  return new Promise((resolve, reject) => {
    const httpServer = serveWithNode(
      { fetch: server.fetch, port: options.port ?? 8080, hostname },
      (info: AddressInfo) => {
        const host = info.family === 'IPv6' ? `[${info.address}]` : info.address;
        resolve({
          url: `http://${host}:${info.port}`,
          port: info.port,
          close: () =>
            new Promise<void>((done) => {
              (httpServer as Server).closeAllConnections?.();
              httpServer.close(() => done());
            }),
        });
      },
    );
    httpServer.once('error', reject);
  });
}
