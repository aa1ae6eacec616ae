/** All host builtins, by Rego name. */
import type { HostBuiltins } from "../sdk.js";
import { type BuiltinFamily, type RegistryOptions, wrapFamilies } from "./registry.js";
import { aws } from "./aws-sigv4.js";
import { crypto } from "./crypto.js";
import { encoding } from "./encoding.js";
import { graphql } from "./graphql.js";
import { internalBuiltins } from "./internal.js";
import { jsonPatch } from "./json-patch.js";
import { jsonSchema } from "./jsonschema.js";
import { jwtBuiltins } from "./jwt.js";
import { net } from "./net.js";
import { object } from "./object.js";
import { regex } from "./regex.js";
import { rego } from "./rego.js";
import { semver } from "./semver.js";
import { template } from "./template.js";
import { sprintf } from "./sprintf.js";
import { uuid } from "./uuid.js";
import { x509Builtins } from "./x509.js";
import { time } from "./time/index.js";
import { units } from "./units.js";

const FAMILIES: BuiltinFamily[] = [
  sprintf,
  time,
  units,
  object,
  crypto,
  encoding,
  uuid,
  semver,
  net,
  regex,
  rego,
  graphql,
  x509Builtins,
  jsonPatch,
  template,
  jsonSchema,
  aws,
];

export interface HostBuiltinOptions extends RegistryOptions {
  /** Where print() output goes (default: discarded). */
  print?: (line: string) => void;
}

export function hostBuiltins(opts: HostBuiltinOptions): HostBuiltins {
  return wrapFamilies(
    [...FAMILIES, internalBuiltins(opts.print ?? (() => {})), jwtBuiltins(() => Date.now() * 1e6)],
    opts,
  );
}

/** Names of every host builtin we implement (for `wimse-authz build` checks and tests). */
export function hostBuiltinNames(): string[] {
  return [...FAMILIES, internalBuiltins(() => {}), jwtBuiltins(() => 0)]
    .flatMap((f) => Object.keys(f))
    .sort();
}

export { HostBuiltinError } from "./registry.js";
