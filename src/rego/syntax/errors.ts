import type { Location } from "../ast/types.js";
import { RegoCompileError } from "../errors.js";

/** A parse error at one location, in OPA's style (code rego_parse_error). */
export function parseError(loc: Location, message: string): RegoCompileError {
  return new RegoCompileError([{ code: "rego_parse_error", message, location: loc }]);
}
