/**
 * Identity-optional request matches (e.g. a health path): for these the policy runs even when
 * identity verification failed, with the error in its input. Matching is deliberately narrow:
 * the raw (still encoded) path must equal the configured path or sit under the prefix at a
 * segment boundary, and paths with escapes, dot segments or empty segments never match, so
 * "/healthz/../admin" or "/healthz%2F.." cannot borrow the exemption.
 */
import type { IdentityOptionalRule } from "../config/types.js";

const SUSPICIOUS = /%|\/\.{1,2}(\/|$)|\/\//;

export function isIdentityOptional(
  rules: readonly IdentityOptionalRule[],
  method: string,
  path: string,
): boolean {
  if (rules.length === 0 || SUSPICIOUS.test(path)) return false;
  return rules.some((r) => {
    if (r.methods.length > 0 && !r.methods.includes(method)) return false;
    if (r.path !== undefined) return path === r.path;
    const prefix = r.pathPrefix ?? "";
    if (prefix.endsWith("/")) return path.startsWith(prefix);
    return path === prefix || path.startsWith(`${prefix}/`);
  });
}
