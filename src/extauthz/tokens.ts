/**
 * The token stage's view of a CheckRequest (src/identity/tokens/types.ts HttpRequestView): method,
 * scheme, Host (untrusted, informative), path with query, the collected headers, and the raw body
 * bytes when Envoy forwarded them (attributes.request.http.raw_body with pack_as_bytes, else
 * body). A request without a Workload-Identity-Token header never reaches this stage.
 */
import type { AttributeContext_HttpRequest } from "../gen/envoy/service/auth/v3/attribute_context.js";
import type { HttpRequestView } from "../identity/tokens/types.js";

/** Lower-case name of the header that sends a request through the token stage. */
export const WIT_HEADER = "workload-identity-token";

const utf8 = new TextEncoder();

/** The request body as bytes: raw_body when set, else the body string; undefined when neither. */
export function bodyBytes(http: AttributeContext_HttpRequest): Uint8Array | undefined {
  if (http.rawBody.length > 0) return http.rawBody;
  if (http.body !== "") return utf8.encode(http.body);
  return undefined;
}

export function requestView(
  http: AttributeContext_HttpRequest,
  headers: Readonly<Record<string, string>>,
): HttpRequestView {
  const body = bodyBytes(http);
  const view: HttpRequestView = {
    method: http.method,
    scheme: http.scheme,
    host: http.host,
    path: http.path,
    headers,
    bodyTruncated: headers["x-envoy-auth-partial-body"] === "true",
    ...(body !== undefined ? { body } : {}),
  };
  return view;
}
