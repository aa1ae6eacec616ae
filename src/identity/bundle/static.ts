/** A bundle that never changes: PEM text, SPIFFE JSON text or DER certificates given in memory. */
import { parseBundleContent } from "./parse.js";
import { BundleState } from "./state.js";
import { BundleError, type BundleSource } from "./types.js";

export function staticBundle(
  input: string | readonly Uint8Array[],
  opts: { format?: "pem" | "spiffe"; origin?: string } = {},
): BundleSource {
  const state = new BundleState(opts.origin ?? "static");
  try {
    const content =
      typeof input === "string"
        ? parseBundleContent(
            input,
            opts.format ?? (input.trimStart().startsWith("{") ? "spiffe" : "pem"),
            state.origin,
          )
        : { authorities: input.map((d) => Buffer.from(d)) };
    state.accept(content);
  } catch (e) {
    state.reject(
      e instanceof BundleError ? e : new BundleError("bundle_pem_invalid", String(e), state.origin),
    );
  }
  return state;
}
