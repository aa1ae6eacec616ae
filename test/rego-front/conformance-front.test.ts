import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { checkModules } from "../../src/rego/check/index.js";
import { RegoCompileError } from "../../src/rego/errors.js";
import { parseBody, parseModule, parseTerm } from "../../src/rego/syntax/index.js";
import { CONFORMANCE_DIR, loadCorpus } from "./conformance-corpus.js";

describe.skipIf(!existsSync(CONFORMANCE_DIR))(
  "OPA v1 conformance modules (../shared/conformance/opa/v1)",
  () => {
    it("parses and checks every module, query and input_term of cases that expect no error", () => {
      const cases = loadCorpus().filter((c) => !c.wantsError);
      expect(cases.length).toBeGreaterThan(1000);
      const failures: string[] = [];
      for (const c of cases) {
        try {
          const modules = c.modules.map((m, i) => parseModule({ path: `test-${i}.rego`, text: m }));
          checkModules(modules);
          if (c.query) parseBody(c.query);
          if (c.inputTerm) parseTerm(c.inputTerm);
        } catch (e) {
          failures.push(`${c.note}: ${(e as Error).message}`);
        }
      }
      console.log(
        `rego front end: ${cases.length - failures.length}/${cases.length} conformance cases parse and check`,
      );
      expect(failures).toEqual([]);
    }, 120_000);

    it("parses every module of cases that expect an error (errors there are raised at run time)", () => {
      const cases = loadCorpus().filter((c) => c.wantsError);
      const failures: string[] = [];
      for (const c of cases) {
        try {
          for (const [i, m] of c.modules.entries()) parseModule({ path: `test-${i}.rego`, text: m });
        } catch (e) {
          failures.push(`${c.note}: ${(e as Error).message}`);
        }
      }
      expect(failures).toEqual([]);
    }, 60_000);
    it("mutated conformance modules (tokens dropped, duplicated, swapped) fail only with RegoCompileError", () => {
      let seed = 7;
      const rand = () => {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        return seed;
      };
      const crashes: string[] = [];
      for (const c of loadCorpus()) {
        const mutated = c.modules.map((m) => {
          const toks = m.split(/(\s+)/);
          for (let i = 0, n = 1 + (rand() % 3); i < n; i++) {
            const j = rand() % toks.length;
            const op = rand() % 3;
            if (op === 0) toks.splice(j, 1);
            else if (op === 1) toks.splice(j, 0, toks[rand() % toks.length]!);
            else {
              const k = rand() % toks.length;
              [toks[j], toks[k]] = [toks[k]!, toks[j]!];
            }
          }
          return toks.join("");
        });
        try {
          checkModules(mutated.map((m, i) => parseModule({ path: `t${i}.rego`, text: m })));
        } catch (e) {
          if (!(e instanceof RegoCompileError)) crashes.push(`${c.note}: ${(e as Error).stack}`);
        }
      }
      expect(crashes).toEqual([]);
    }, 120_000);
  },
);
