/**
 * The CheckRequest in protobuf JSON form (ts-proto's toJSON), whole or cut to the input paths a
 * compiled policy reads (src/policy/projection.ts). Converting the whole request (twenty headers,
 * the URL-encoded client certificate) costs more than the policy's own evaluation of a few fields,
 * so with a projection the message is pruned first: every field outside the projection is reset to
 * its default, which toJSON leaves out, and the generated toJSON converts what remains.
 *
 * The result equals the whole conversion on every projected path (JSON.stringify(project(...)) is
 * the same text; test/extauthz/request-json.test.ts checks it over random requests and
 * projections). A projection key that is not a field of the message (another JSON name) keeps
 * that message whole: never narrower than asked.
 */
import {
  AttributeContext,
  AttributeContext_HttpRequest,
  AttributeContext_Peer,
  AttributeContext_Request,
} from "../gen/envoy/service/auth/v3/attribute_context.js";
import { CheckRequest } from "../gen/envoy/service/auth/v3/external_auth.js";
import type { Projection } from "../policy/projection.js";

/** A message type's shape: its default field values and the message fields to descend into. */
export interface Pruning {
  readonly defaults: Readonly<Record<string, unknown>>;
  /** Message-typed fields whose own fields can be pruned; any other field is kept or reset whole. */
  readonly fields: Readonly<Record<string, Pruning>>;
}

// Not frozen: spreading a frozen object takes V8's slow path (several times slower); never written.
const fieldsOf = (defaults: object, fields: Record<string, Pruning> = {}): Pruning => ({
  defaults: { ...defaults } as Readonly<Record<string, unknown>>,
  fields,
});

const PEER = fieldsOf(AttributeContext_Peer.create());
/** The HTTP request's shape (its headers map is written specially by input-text.ts). */
export const HTTP_REQUEST = fieldsOf(AttributeContext_HttpRequest.create());
const REQUEST = fieldsOf(AttributeContext_Request.create(), { http: HTTP_REQUEST });
export const ATTRIBUTE_CONTEXT = fieldsOf(AttributeContext.create(), {
  source: PEER,
  destination: PEER,
  request: REQUEST,
});

/**
 * CheckRequest.toJSON of the request, or of the part of it under `projection` (the policy input's
 * projection: its "attributes" key is the request's; the input's other keys are not the request's).
 */
export function requestJson(request: CheckRequest, projection?: Projection): Record<string, unknown> {
  if (projection === undefined) return CheckRequest.toJSON(request) as Record<string, unknown>;
  const i = projection.keys.indexOf("attributes");
  if (i < 0 || request.attributes === undefined) return {};
  const attributes = prune(request.attributes, ATTRIBUTE_CONTEXT, projection.children[i]);
  return CheckRequest.toJSON({ attributes: attributes as AttributeContext }) as Record<string, unknown>;
}

/** The message with only the fields under `projection` (undefined: whole) left as they are. */
function prune(message: object, type: Pruning, projection: Projection | undefined): object {
  if (projection === undefined) return message;
  const out: Record<string, unknown> = { ...type.defaults };
  const m = message as Record<string, unknown>;
  const { keys, children } = projection;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    // Not a field name (a JSON name that differs, a key toJSON never writes): keep all of it.
    if (!Object.hasOwn(type.defaults, key)) return message;
    const value = m[key];
    const child = type.fields[key];
    out[key] = child && value !== undefined && value !== null ? prune(value, child, children[i]) : value;
  }
  return out;
}
