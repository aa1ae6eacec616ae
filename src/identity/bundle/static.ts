/** A bundle that never changes: PEM text, SPIFFE JSON text or DER certificates given in memory. */
import { BundleState } from "./state.js";
import type { BundleSource } from "./types.js";

export function staticBundle(
  input: string | readonly Uint8Array[],
  opts: { format?: "pem" | "spiffe"; origin?: string } = {},
): BundleSource {
  const state = new BundleState(opts.origin ?? "static");
  if (typeof input === "string") {
    state.load(input, opts.format ?? (input.trimStart().startsWith("{") ? "spiffe" : "pem"));
  } else {
    state.accept({ authorities: input.map((d) => Buffer.from(d)) });
  }
  return state;
}
