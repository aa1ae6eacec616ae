// The reason for the last builtin failure (type errors, division by zero, ...). Builtins fail by
// returning 0 (undefined), as OPA's non-strict builtin errors do; the reason stays readable.
import { mkStringFromAS } from "../value";

let lastError: string = "";

export function setError(msg: string): usize {
  lastError = msg;
  return 0;
}

/** The last builtin error message as a string value, or 0. */
export function opa_rt_last_error(): usize {
  return lastError.length == 0 ? 0 : mkStringFromAS(lastError);
}
