/**
 * The policy input's JSON text for the paths the policy reads, written straight from the request:
 * the text JSON.stringify(project(buildInput(parts), projection)) gives, without building the
 * request's JSON form, the input object and its projection first. That chain (prune, toJSON,
 * project, stringify) was the largest part of a Check's own work on the gRPC thread, for a text
 * of a few hundred bytes.
 *
 * A projection is compiled once (per loaded policy) into a writer, when every path it reads below
 * `attributes` ends in a string field of the request's messages (path, method, host, principal,
 * ...) or in the HTTP headers map; the other input keys (identity, parsed_path, parsed_query, ...)
 * are written by JSON.stringify of their projected value, as before. Any other projection (the
 * whole request, a header map read whole, a key that is not a field) keeps the general route.
 * test/extauthz/request-json.test.ts compares both routes over seeded random requests and
 * projections.
 */
import type { AttributeContext } from "../gen/envoy/service/auth/v3/attribute_context.js";
import type { AuthResult } from "../identity/types.js";
import { type Projection, project } from "../policy/projection.js";
import { policyIdentity } from "./identity-input.js";
import { buildInput, INPUT_VERSION, type InputParts } from "./input.js";
import { ATTRIBUTE_CONTEXT, HTTP_REQUEST, type Pruning } from "./request-json.js";

/** The input's JSON text for `projection` (undefined: the whole input). */
export function inputText(parts: InputParts, projection: Projection | undefined): string {
  if (projection !== undefined) {
    let writer = writers.get(projection);
    if (writer === undefined) {
      writer = compileWriter(projection) ?? null;
      writers.set(projection, writer);
    }
    if (writer !== null) return writer(parts);
  }
  return JSON.stringify(project(buildInput({ ...parts, projection }), projection));
}

type Writer = (parts: InputParts) => string;
/** null: the projection takes the general route. */
const writers = new WeakMap<Projection, Writer | null>();

/** A message's fields under a projection, as text ("{...}"); undefined when not supported. */
type MessageWriter = (message: Record<string, unknown>, hidden: ReadonlySet<string> | undefined) => string;

function compileWriter(projection: Projection): Writer | undefined {
  const parts: Array<(p: InputParts) => string | undefined> = [];
  for (let i = 0; i < projection.keys.length; i++) {
    const key = projection.keys[i] as string;
    const child = projection.children[i];
    const name = `${JSON.stringify(key)}:`;
    if (key === "attributes") {
      if (child === undefined) return undefined;
      const attributes = compileMessage(ATTRIBUTE_CONTEXT, child);
      if (!attributes) return undefined;
      parts.push((p) => {
        const a = p.request.attributes;
        return a === undefined ? undefined : name + attributes(asFields(a), p.hiddenHeaders);
      });
      continue;
    }
    const value = TOP_LEVEL.get(key);
    // A key buildInput never sets is never in the input.
    if (value === undefined) continue;
    const text =
      key === "identity"
        ? (v: unknown) => identityText(v as object, child)
        : (v: unknown) => JSON.stringify(project(v, child));
    parts.push((p) => {
      const v = value(p);
      return v === undefined ? undefined : name + text(v);
    });
  }
  return (p) => {
    let out = "{";
    for (const part of parts) {
      const text = part(p);
      if (text === undefined) continue;
      out += out.length === 1 ? text : `,${text}`;
    }
    return `${out}}`;
  };
}

const asFields = (m: AttributeContext) => m as unknown as Record<string, unknown>;

/** The input's keys other than `attributes`, as buildInput sets them (undefined: absent). */
const TOP_LEVEL = new Map<string, (p: InputParts) => unknown>([
  ["parsed_path", (p) => p.target.parsedPath],
  ["parsed_query", (p) => p.target.parsedQuery],
  ["parsed_body", (p) => p.body.value],
  ["truncated_body", (p) => p.body.truncated],
  ["version", () => INPUT_VERSION],
  ["source_principal", (p) => p.request.attributes?.source?.principal || undefined],
  ["identity", (p) => policyIdentity(p.auth, p.token)],
  ["identity_error", (p) => (failed(p) ? { code: p.auth.code, message: p.auth.message } : undefined)],
  ["identity_proxy", (p) => (failed(p) ? p.auth.proxy : undefined)],
]);

/**
 * The verified identity's text, kept with the identity when it is the authenticator's shared,
 * frozen verdict (a transport identity without a proxy): the same caller sends many requests.
 */
function identityText(identity: object, projection: Projection | undefined): string {
  if (!Object.isFrozen(identity)) return JSON.stringify(project(identity, projection));
  const kept = identityTexts.get(identity);
  if (kept !== undefined && kept.projection === projection) return kept.text;
  const text = JSON.stringify(project(identity, projection));
  identityTexts.set(identity, { projection, text });
  return text;
}

const identityTexts = new WeakMap<object, { projection: Projection | undefined; text: string }>();

/**
 * As putIdentity: identity_error (and identity_proxy) when identity failed and there is no
 * identity for the policy (with a token there always is one: policyIdentity).
 */
function failed(p: InputParts): p is InputParts & { auth: Extract<AuthResult, { ok: false }> } {
  return p.auth !== undefined && !p.auth.ok && p.token === undefined;
}

/**
 * A message under a projection, as toJSON then project would give it: the projection's keys in
 * its order, each only when toJSON writes it (a string field when it is not its default, a
 * message field when set, the headers map when it has entries).
 */
function compileMessage(shape: Pruning, projection: Projection): MessageWriter | undefined {
  const writes: Array<
    (m: Record<string, unknown>, hidden: ReadonlySet<string> | undefined) => string | undefined
  > = [];
  for (let i = 0; i < projection.keys.length; i++) {
    const key = projection.keys[i] as string;
    const child = projection.children[i];
    if (!Object.hasOwn(shape.defaults, key)) return undefined;
    const name = `${JSON.stringify(key)}:`;
    const sub = shape.fields[key];
    const initial = shape.defaults[key];
    if (sub !== undefined) {
      if (child === undefined) return undefined;
      const write = compileMessage(sub, child);
      if (!write) return undefined;
      writes.push((m, hidden) => {
        const v = m[key];
        return v === undefined ? undefined : name + write(v as Record<string, unknown>, hidden);
      });
    } else if (typeof initial === "string") {
      writes.push((m) => {
        const v = m[key];
        return v === initial ? undefined : name + JSON.stringify(v);
      });
    } else if (shape === HTTP_REQUEST && key === "headers" && child !== undefined) {
      const names = child.keys;
      const nameTexts = names.map((n) => `${JSON.stringify(n)}:`);
      writes.push((m, hidden) => {
        const headers = m.headers as Record<string, string>;
        let any = false;
        for (const n in headers) {
          if (Object.hasOwn(headers, n)) {
            any = true;
            break;
          }
        }
        // toJSON writes the map only when it has entries, hidden ones included (removed later).
        if (!any) return undefined;
        let out = "{";
        for (let j = 0; j < names.length; j++) {
          const n = names[j] as string;
          if (!Object.hasOwn(headers, n) || hidden?.has(n.toLowerCase())) continue;
          const text = nameTexts[j] + JSON.stringify(headers[n]);
          out += out.length === 1 ? text : `,${text}`;
        }
        return `${name}${out}}`;
      });
    } else {
      return undefined;
    }
  }
  return (m, hidden) => {
    let out = "{";
    for (const write of writes) {
      const text = write(m, hidden);
      if (text === undefined) continue;
      out += out.length === 1 ? text : `,${text}`;
    }
    return `${out}}`;
  };
}
