/** All host builtins, by Rego name. */
import type { HostBuiltins } from "../sdk.js";
import { type BuiltinFamily, type RegistryOptions, wrapFamilies } from "./registry.js";
import { sprintf } from "./sprintf.js";
import { time } from "./time/index.js";
import { units } from "./units.js";

const FAMILIES: BuiltinFamily[] = [sprintf, time, units];

export function hostBuiltins(opts: RegistryOptions): HostBuiltins {
  return wrapFamilies(FAMILIES, opts);
}

/** Names of every host builtin we implement (for `wimse-authz build` checks and tests). */
export function hostBuiltinNames(): string[] {
  return FAMILIES.flatMap((f) => Object.keys(f)).sort();
}

export { HostBuiltinError } from "./registry.js";
