/**
 * One bounded GET of a refreshing source's document (bundle endpoint, CRL distribution point, JWKS
 * URL): status 200 only, a size cap, a timeout, an optional pinned CA for https.
 */
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";

export interface FetchOptions {
  /** PEM CA certificate(s) pinned for https (default: Node's Web PKI roots). */
  ca?: string | Buffer;
  /** Request timeout, ms. Default 10000. */
  timeoutMs?: number;
  /** Maximum body size, bytes. */
  maxBytes: number;
  headers?: Record<string, string>;
}

/** Why a fetch failed; the owner turns it into its own error type. */
export class FetchError extends Error {
  override readonly name = "FetchError";
  constructor(
    readonly kind: "status" | "too_large" | "failed",
    message: string,
  ) {
    super(message);
  }
}

/** GETs `url` (http: or https:). Rejects with FetchError. */
export function fetchBody(url: URL, opts: FetchOptions): Promise<Buffer> {
  const request = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: "GET", ca: opts.ca, timeout: opts.timeoutMs ?? 10_000, headers: opts.headers },
      (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          reject(new FetchError("status", `HTTP status ${res.statusCode}`));
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (c: Buffer) => {
          size += c.length;
          if (size > opts.maxBytes) {
            req.destroy(new FetchError("too_large", `body larger than ${opts.maxBytes} bytes`));
            return;
          }
          chunks.push(c);
        });
        res.on("end", () => resolve(Buffer.concat(chunks)));
        res.on("error", (e) => reject(e instanceof FetchError ? e : new FetchError("failed", e.message)));
      },
    );
    req.on("timeout", () => req.destroy(new FetchError("failed", "request timed out")));
    req.on("error", (e) => reject(e instanceof FetchError ? e : new FetchError("failed", e.message)));
    req.end();
  });
}

/** fetchBody whose failure is reported as the owner's error: `toError(kind, message)`. */
export async function fetchBodyOr<E extends Error>(
  url: URL,
  opts: FetchOptions,
  toError: (kind: FetchError["kind"], message: string) => E,
): Promise<Buffer> {
  try {
    return await fetchBody(url, opts);
  } catch (e) {
    throw e instanceof FetchError ? toError(e.kind, e.message) : toError("failed", String(e));
  }
}
