/** The CheckRequest an Envoy sidecar sends for one downstream HTTP request (ext_authz, v3). */
import type { CheckRequest } from "../gen/envoy/service/auth/v3/external_auth.js";

export interface SidecarRequest {
  /** attributes.source.principal ("" without a client certificate). */
  principal: string;
  /** attributes.source.certificate: URL-encoded PEM leaf ("" without one). */
  certificate: string;
  /** attributes.destination.principal: the sidecar's own URI SAN. */
  destination: string;
  method: string;
  /** :path, query included. */
  path: string;
  host: string;
  /** Lower-case request headers, as received (x-request-id included). */
  headers: Record<string, string>;
  requestId: string;
  sni: string;
  /** The request body, forwarded as raw_body (Envoy with_request_body + pack_as_bytes). */
  body?: Buffer;
}

export function buildCheckRequest(r: SidecarRequest): CheckRequest {
  const query = r.path.includes("?") ? r.path.slice(r.path.indexOf("?") + 1) : "";
  const headers = {
    ...r.headers,
    ":authority": r.host,
    ":method": r.method,
    ":path": r.path,
    ":scheme": "https",
    "x-request-id": r.requestId,
  };
  return {
    attributes: {
      source: {
        address: undefined,
        service: "",
        labels: {},
        principal: r.principal,
        certificate: r.certificate,
      },
      destination: { address: undefined, service: "", labels: {}, principal: r.destination, certificate: "" },
      request: {
        time: undefined,
        http: {
          id: r.requestId,
          method: r.method,
          headers,
          headerMap: undefined,
          path: r.path,
          host: r.host,
          scheme: "https",
          query,
          fragment: "",
          size: String(r.body?.length ?? 0),
          protocol: "HTTP/1.1",
          body: "",
          rawBody: r.body ?? Buffer.alloc(0),
        },
      },
      contextExtensions: {},
      metadataContext: undefined,
      routeMetadataContext: undefined,
      tlsSession: r.sni ? { sni: r.sni } : undefined,
    },
  };
}
