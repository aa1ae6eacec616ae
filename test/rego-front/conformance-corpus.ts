import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";

/** ../shared/conformance/opa/v1, read in place (never copied into the repository). */
export const CONFORMANCE_DIR = new URL("../../../shared/conformance/opa/v1", import.meta.url).pathname;

export interface CorpusCase {
  file: string;
  note: string;
  modules: string[];
  query?: string;
  inputTerm?: string;
  wantsError: boolean;
}

function yamlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...yamlFiles(p));
    else if (name.endsWith(".yaml") || name.endsWith(".yml")) out.push(p);
  }
  return out;
}

interface RawCase {
  note?: unknown;
  modules?: unknown;
  query?: unknown;
  input_term?: unknown;
  want_error?: unknown;
  want_error_code?: unknown;
}

export function loadCorpus(dir = CONFORMANCE_DIR): CorpusCase[] {
  if (!existsSync(dir)) return [];
  const cases: CorpusCase[] = [];
  for (const file of yamlFiles(dir)) {
    const doc = parseYaml(readFileSync(file, "utf8")) as { cases?: RawCase[] } | null;
    for (const c of doc?.cases ?? []) {
      const modules = Array.isArray(c.modules)
        ? c.modules.filter((m): m is string => typeof m === "string")
        : [];
      const entry: CorpusCase = {
        file,
        note: String(c.note ?? ""),
        modules,
        wantsError: c.want_error !== undefined || c.want_error_code !== undefined,
      };
      if (typeof c.query === "string") entry.query = c.query;
      if (typeof c.input_term === "string") entry.inputTerm = c.input_term;
      cases.push(entry);
    }
  }
  return cases;
}
