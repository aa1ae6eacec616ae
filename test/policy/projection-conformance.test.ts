/**
 * Input projection over OPA's conformance cases (../shared/conformance/opa/v1, read in place):
 * every case with a JSON input and a `data.<path> = x` query is compiled with our compiler, and the
 * module's result (or error) on the projected input must equal its result on the whole input, for
 * the case's own input and for seeded variants of it (keys deleted, replaced by false / null /
 * [] / {} / scalars, extra keys). Policies written by others, reading the input in their own ways.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { hostBuiltins } from "../../src/policy/builtins/index.js";
import { compileProjection, project } from "../../src/policy/projection.js";
import { instantiate, jsonBuffer, textEvaluator } from "../../src/policy/sdk.js";
import { compileRego } from "../../src/rego/compile.js";
import { type ConformanceCase, caseFiles } from "../conformance/opa-cases.js";
import { mulberry32 } from "../support/prng.js";

const root = path.resolve(import.meta.dirname, "../..");
const suite = path.resolve(root, "../shared/conformance/opa/v1");

function jsonInput(tc: ConformanceCase): { ok: true; value: unknown } | { ok: false } {
  if (tc.input !== undefined) return { ok: true, value: tc.input };
  if (tc.input_term !== undefined) {
    try {
      return { ok: true, value: JSON.parse(tc.input_term) };
    } catch {
      return { ok: false };
    }
  }
  return { ok: false };
}

const ODD: unknown[] = [false, null, true, 0, 1, "", "x", [], {}, { extra: 1 }];

/** A copy of `input` with one node deleted, replaced or extended (seeded). */
function variant(input: unknown, rng: () => number): unknown {
  const copy = structuredClone(input) as unknown;
  const slots: [Record<string, unknown> | unknown[], string | number][] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) {
      v.forEach((x, i) => {
        slots.push([v, i]);
        walk(x);
      });
    } else if (typeof v === "object" && v !== null) {
      for (const k of Object.keys(v)) {
        slots.push([v as Record<string, unknown>, k]);
        walk((v as Record<string, unknown>)[k]);
      }
    }
  };
  walk(copy);
  if (slots.length === 0) return ODD[Math.floor(rng() * ODD.length)];
  const [holder, key] = slots[Math.floor(rng() * slots.length)]!;
  const r = rng();
  const h = holder as Record<string | number, unknown>;
  if (r < 0.25 && !Array.isArray(holder)) delete h[key];
  else if (r < 0.85) h[key] = ODD[Math.floor(rng() * ODD.length)];
  else if (typeof h[key] === "object" && h[key] !== null && !Array.isArray(h[key])) {
    (h[key] as Record<string, unknown>).extra = ODD[Math.floor(rng() * ODD.length)];
  } else h[key] = { extra: h[key] };
  return copy;
}

const VARIANTS = 8;

describe.skipIf(!existsSync(suite))("input projection over OPA conformance cases with an input", () => {
  it("the result on the projected input equals the result on the whole input", {
    timeout: 300_000,
  }, async () => {
    let compared = 0;
    let narrowed = 0;
    let cases = 0;
    let skipped = 0;
    const diffs: string[] = [];
    for (const file of caseFiles(suite)) {
      const doc = parseYaml(readFileSync(file, "utf8"), { maxAliasCount: 1000 }) as {
        cases?: ConformanceCase[];
      } | null;
      for (const tc of doc?.cases ?? []) {
        const input = jsonInput(tc);
        const m = /^data\.([A-Za-z_][\w]*(?:\.[A-Za-z_][\w]*)*)\s*=\s*[A-Za-z_]\w*$/.exec(tc.query.trim());
        if (!input.ok || !m) continue;
        const entrypoint = m[1]!.replaceAll(".", "/");
        let compiled: ReturnType<typeof compileRego>;
        try {
          compiled = compileRego(
            (tc.modules ?? []).map((text, i) => ({ path: `m${i}.rego`, text })),
            { entrypoints: [entrypoint], strictBuiltinErrors: tc.strict_error === true },
          );
        } catch {
          skipped++; // a compile error is the case's subject (or a gap of ours): nothing to evaluate
          continue;
        }
        const policy = await instantiate(compiled.wasm, hostBuiltins({ strict: tc.strict_error === true }));
        try {
          policy.setData(jsonBuffer(tc.data ?? {}));
        } catch {
          skipped++;
          continue;
        }
        const direct = textEvaluator(policy)!;
        const id = compiled.entrypoints[entrypoint]!;
        const run = (text: string): string => {
          try {
            return JSON.stringify(direct(text, id));
          } catch (e) {
            return `error: ${(e as Error).message}`;
          }
        };
        const projection = compileProjection(compiled.inputPaths);
        const rng = mulberry32(cases + 1);
        cases++;
        const inputs = [input.value, ...Array.from({ length: VARIANTS }, () => variant(input.value, rng))];
        for (const value of inputs) {
          const whole = JSON.stringify(value);
          const projected = JSON.stringify(project(value, projection));
          compared++;
          if (projected === whole) continue;
          narrowed++;
          const a = run(whole);
          const b = run(projected);
          if (a !== b) diffs.push(`${tc.note}: input ${whole} projected ${projected}: ${a} vs ${b}`);
        }
      }
    }
    console.log(
      `projection over conformance: ${cases} cases (${skipped} not compiled), ${compared} inputs compared, ${narrowed} narrowed`,
    );
    expect(diffs).toEqual([]);
    // The suite holds ~180 cases with a JSON input: a run that compares far fewer is broken.
    expect(cases).toBeGreaterThan(100);
    expect(narrowed).toBeGreaterThan(100);
  });
});
