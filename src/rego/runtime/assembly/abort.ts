// AssemblyScript's `abort` (assertion failures, out-of-bounds, ...) redirected to opa_abort,
// so the module imports nothing but OPA's ABI (build flag --use abort=...).
import { opa_abort } from "./env";
import { malloc } from "./heap";

/** Aborts evaluation with a NUL-terminated ASCII message built from a JS-side string. */
export function abortWith(msg: string): void {
  const n = msg.length;
  const p = malloc(<usize>n + 1);
  for (let i = 0; i < n; i++) {
    let c = msg.charCodeAt(i);
    if (c > 127) c = 63;
    store<u8>(p + <usize>i, <u8>c);
  }
  store<u8>(p + <usize>n, 0);
  opa_abort(p);
  unreachable();
}

export function rtAbort(message: string | null, fileName: string | null, line: u32, column: u32): void {
  abortWith(message !== null ? "internal error: " + message : "internal error");
}
