/**
 * parsed_path and parsed_query as the OPA-Envoy plugin builds them (Go's url.Parse): the path
 * without query and fragment, percent-decoded, leading "/" characters dropped, split on "/";
 * the query as key -> list of values ("+" is a space). Unlike Go's Query(), which silently drops
 * pairs it cannot decode, a broken escape here rejects the request: a policy must never see a
 * query that differs from what the upstream will receive.
 */
import { percentDecode } from "./percent.js";
import { Reason, RequestRejection } from "./reasons.js";

export interface ParsedTarget {
  /** Path without query or fragment, as received (still encoded). */
  readonly path: string;
  readonly parsedPath: string[];
  readonly parsedQuery: Record<string, string[]>;
}

const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * A target that passed validation. parsed_path and parsed_query are built on first read (each
 * read returns the same value): most policies read neither, and splitting the path and building
 * the query object was a sizeable part of a Check's own work. A component with a "%" is decoded
 * while validating, because only decoding tells a valid escape from a broken one; one without
 * cannot be malformed ("+" and any other character decode as themselves or as a space).
 */
class Target implements ParsedTarget {
  private path_?: string[];

  constructor(
    readonly path: string,
    private readonly decodedPath: string,
    private readonly query: string,
    private query_?: Record<string, string[]>,
  ) {}

  get parsedPath(): string[] {
    this.path_ ??= withoutLeadingSlashes(this.decodedPath).split("/");
    return this.path_;
  }

  get parsedQuery(): Record<string, string[]> {
    // Validated in parseTarget: a query without "%" always parses.
    this.query_ ??= parseQuery(this.query) as Record<string, string[]>;
    return this.query_;
  }
}

export function parseTarget(target: string): ParsedTarget | RequestRejection {
  if (CONTROL.test(target))
    return new RequestRejection(Reason.pathMalformed, "path contains control characters");
  const hash = target.indexOf("#");
  const noFragment = hash >= 0 ? target.slice(0, hash) : target;
  const q = noFragment.indexOf("?");
  const path = q >= 0 ? noFragment.slice(0, q) : noFragment;
  const query = q >= 0 ? noFragment.slice(q + 1) : "";
  const decoded = percentDecode(path);
  if (decoded === undefined) {
    return new RequestRejection(Reason.pathMalformed, "path has broken percent-encoding or invalid UTF-8");
  }
  if (!query.includes("%")) return new Target(path, decoded, query);
  const parsedQuery = parseQuery(query);
  if (parsedQuery instanceof RequestRejection) return parsedQuery;
  return new Target(path, decoded, query, parsedQuery);
}

function withoutLeadingSlashes(path: string): string {
  let i = 0;
  while (path.charCodeAt(i) === 0x2f) i++;
  return i === 0 ? path : path.slice(i);
}

/** A query component decoded ("+" is a space); the usual plain one is returned as it is. */
function queryComponent(text: string): string | undefined {
  return text.includes("%") || text.includes("+") ? percentDecode(text, true) : text;
}

/** application/x-www-form-urlencoded pairs (also used for form bodies). */
export function parseQuery(
  query: string,
  code: string = Reason.queryMalformed,
): Record<string, string[]> | RequestRejection {
  const out = Object.create(null) as Record<string, string[]>;
  if (query === "") return out;
  for (const pair of query.split("&")) {
    if (pair === "") continue;
    const eq = pair.indexOf("=");
    const key = queryComponent(eq >= 0 ? pair.slice(0, eq) : pair);
    const value = queryComponent(eq >= 0 ? pair.slice(eq + 1) : "");
    if (key === undefined || value === undefined) {
      return new RequestRejection(code, "broken percent-encoding in a query parameter");
    }
    if (!Object.hasOwn(out, key)) out[key] = [];
    out[key].push(value);
  }
  return out;
}
