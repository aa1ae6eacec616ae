/**
 * OPA's conformance cases (../shared/conformance/opa/v1, read in place): the case shape and the
 * YAML files that hold them, shared by the Rego runner and the tests that replay its cases.
 */
import { readdirSync, statSync } from "node:fs";
import path from "node:path";

export interface ConformanceCase {
  note: string;
  query: string;
  modules?: string[];
  data?: unknown;
  input?: unknown;
  input_term?: string;
  want_result?: Record<string, unknown>[] | null;
  want_error_code?: string;
  want_error?: string;
  strict_error?: boolean;
  sort_bindings?: boolean;
}

/** Every case file under `dir`, sorted (wasm-exceptions.yaml is a list of notes, not cases). */
export function caseFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = path.join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.ya?ml$/.test(name) && name !== "wasm-exceptions.yaml") out.push(p);
    }
  };
  walk(dir);
  return out;
}
