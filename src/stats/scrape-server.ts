// The Prometheus page over HTTP (--metrics): GET /metrics answers the text of the registry's
// last reading (the page function; the server reads no counter). Node's own http server, no
// framework: one route, plain text.
//
// Closing (the run's end, SIGTERM) never waits for a scraper: close() stops listening and
// ends every open connection at once — one idle in keep-alive, one that sent half a request —
// so a slow or stuck client cannot hold the process.

import type * as http from "node:http";
import type { AddressInfo } from "node:net";

/** The text format's content type (exposition format 0.0.4). */
export const METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
/** A request that has not sent its headers within this long is dropped, ms (a stuck client). */
const HEADERS_TIMEOUT_MS = 10_000;

export class MetricsServer {
  private readonly server: http.Server;

  /** A server of `page` (the page's text when asked: the last reading's, made once per
   * reading). node:http is loaded here, only by a run that serves metrics: one without pays
   * nothing for it at startup. */
  static create(page: () => string): MetricsServer {
    // (require, not import(): the single executable has no dynamic import; the bundle is CommonJS)
    return new MetricsServer(require("node:http") as typeof http, page);
  }

  private constructor(http: typeof import("node:http"), private readonly page: () => string) {
    this.server = http.createServer({ headersTimeout: HEADERS_TIMEOUT_MS, requestTimeout: HEADERS_TIMEOUT_MS }, (req, res) => this.answer(req, res));
    this.server.keepAliveTimeout = 5_000;
  }

  private answer(req: http.IncomingMessage, res: http.ServerResponse): void {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { "Content-Type": "text/plain; charset=utf-8", Allow: "GET, HEAD" }).end("only GET and HEAD\n");
      return;
    }
    if (path === "/metrics") {
      const body = this.page();
      res.writeHead(200, { "Content-Type": METRICS_CONTENT_TYPE, "Content-Length": Buffer.byteLength(body) });
      res.end(req.method === "HEAD" ? undefined : body);
      return;
    }
    // node_exporter's landing page: where the metrics are
    const body = path === "/" ? "flowprobe: the metrics are at /metrics\n" : `no page ${path}: the metrics are at /metrics\n`;
    res.writeHead(path === "/" ? 200 : 404, { "Content-Type": "text/plain; charset=utf-8" }).end(body);
  }

  /** Listens; rejects with Node's error (EADDRINUSE, EACCES, EADDRNOTAVAIL, ENOTFOUND) as it is. */
  listen(host: string, port: number): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      const failed = (e: Error) => reject(e);
      this.server.once("error", failed);
      this.server.listen({ host, port, exclusive: true }, () => {
        this.server.off("error", failed);
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  /** Stops listening and ends every open connection now (a scrape under way is cut). */
  close(): void {
    this.server.close();
    this.server.closeAllConnections();
  }
}

/** What a listen error means to the person who gave the address, and what helps. */
export function listenProblem(e: NodeJS.ErrnoException, host: string, port: number): string {
  const at = host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
  switch (e.code) {
    case "EADDRINUSE": return `${at}: the port is in use (another process listens on it): choose another port, or stop that process`;
    case "EACCES": return `${at}: not allowed to listen there${port < 1024 ? " (a port under 1024 needs CAP_NET_BIND_SERVICE): choose a port of 1024 or above" : ""}`;
    case "EADDRNOTAVAIL": return `${at}: ${host} is not an address of this host: give one of its addresses, 127.0.0.1, or 0.0.0.0 for all`;
    case "ENOTFOUND": case "EAI_AGAIN": return `${at}: the host name ${host} could not be resolved: give an IP address`;
    default: return `${at}: cannot listen: ${e.message}`;
  }
}
