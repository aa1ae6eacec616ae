// The reason for the last builtin failure (type errors, division by zero, ...). Builtins fail by
// returning 0 (undefined), as OPA's non-strict builtin errors do; the reason stays readable.
import { mkStringFromAS } from "../value";
import { abortWith } from "../abort";

let lastError: string = "";

export function setError(msg: string): usize {
  lastError = msg;
  return 0;
}

/** The last builtin error message as a string value, or 0. */
export function opa_rt_last_error(): usize {
  return lastError.length == 0 ? 0 : mkStringFromAS(lastError);
}

export function opa_rt_clear_error(): void {
  lastError = "";
}

/**
 * Strict builtin errors: aborts with "<prefix><reason>" if the last builtin call failed with an
 * error (prefix: NUL-terminated location text); returns if it was merely undefined.
 */
export function opa_rt_builtin_abort(prefix: usize): void {
  if (lastError.length == 0) return;
  const msg = String.UTF8.decodeUnsafe(prefix, <usize>strlen(prefix), false) + lastError;
  abortWith(msg);
}

function strlen(p: usize): u32 {
  let n: u32 = 0;
  while (load<u8>(p + <usize>n) != 0) n++;
  return n;
}
