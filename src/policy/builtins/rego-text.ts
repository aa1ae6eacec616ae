/** Rego's textual form of a value (OPA's ast.Value String()), used by sprintf and friends. */
import { goQuote } from "./go-quote.js";

export function regoText(v: unknown): string {
  if (v === null || v === undefined) return "null";
  if (typeof v === "string") return goQuote(v);
  if (typeof v === "number") return numberText(v);
  if (typeof v === "boolean") return v ? "true" : "false";
  if (Array.isArray(v)) return `[${v.map(regoText).join(", ")}]`;
  const entries = Object.entries(v as Record<string, unknown>).sort(([a], [b]) =>
    a < b ? -1 : a > b ? 1 : 0,
  );
  return `{${entries.map(([k, x]) => `${goQuote(k)}: ${regoText(x)}`).join(", ")}}`;
}

/** JSON number text as OPA prints it (integers without exponent when they are exact). */
export function numberText(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return BigInt(n).toString();
  return JSON.stringify(n);
}
