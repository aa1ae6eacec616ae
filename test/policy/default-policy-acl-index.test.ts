/**
 * The default policy looks a caller's ACL grants up by key: in the compiled plan of acl_matches,
 * data.wimse.acl is indexed with input.identity.id (a Dot whose key is a local, not a constant),
 * and the only Scan is over that result (the caller's grants), never over data.wimse.acl itself.
 * Guards the ACL's cost against a rewrite into a scan (bench: 100,000 callers within 2x of 10).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkModules } from "../../src/rego/check/index.js";
import type { Block, Func, Policy } from "../../src/rego/ir/types.js";
import { planPolicy } from "../../src/rego/plan/index.js";
import { parseModule } from "../../src/rego/syntax/index.js";

type Stmt = Block["stmts"][number];

function stmts(blocks: readonly Block[]): Stmt[] {
  const out: Stmt[] = [];
  for (const b of blocks) {
    for (const s of b.stmts) {
      out.push(s);
      const nested = s as { block?: Block; blocks?: Block[] };
      if (nested.block) out.push(...stmts([nested.block]));
      if (nested.blocks) out.push(...stmts(nested.blocks));
    }
  }
  return out;
}

function plan(text: string): Policy {
  const m = parseModule({ path: "authz.rego", text });
  return planPolicy(checkModules([m]), ["envoy/authz/allow"]);
}

/** Locals holding data.wimse.acl in acl_matches, and what is done with them. */
function aclUse(p: Policy): { keyedLookups: number; scansOfAcl: number } {
  const f = p.funcs.find((x: Func) => x.name.endsWith(".acl_matches"));
  if (!f) throw new Error("acl_matches not found in the plan");
  const all = stmts(f.blocks);
  const str = (op: unknown) => {
    const o = op as { kind?: string; index?: number };
    return o.kind === "string" && o.index !== undefined ? p.static.strings[o.index] : undefined;
  };
  // data -> .wimse -> .acl
  const wimse = new Set<number>();
  const acl = new Set<number>();
  for (const s of all) {
    if (s.type !== "Dot") continue;
    if (str(s.key) === "wimse") wimse.add(s.target);
    const src = (s.source as { kind?: string; local?: number }).local;
    if (str(s.key) === "acl" && src !== undefined && wimse.has(src)) acl.add(s.target);
  }
  let keyedLookups = 0;
  let scansOfAcl = 0;
  for (const s of all) {
    if (s.type === "Dot") {
      const src = (s.source as { local?: number }).local;
      if (src !== undefined && acl.has(src) && (s.key as { kind?: string }).kind === "local") keyedLookups++;
    }
    if (s.type === "Scan" && acl.has(s.source)) scansOfAcl++;
  }
  return { keyedLookups, scansOfAcl };
}

const source = readFileSync(join(import.meta.dirname, "../../policies/envoy/authz.rego"), "utf8");

describe("default policy: ACL lookup by caller", () => {
  it("indexes data.wimse.acl with the caller's identifier and never scans it", () => {
    expect(aclUse(plan(source))).toEqual({ keyedLookups: 1, scansOfAcl: 0 });
  });

  it("the check tells a scan from a lookup (a scanning rewrite is caught)", () => {
    const scanning = source.replace(
      "some grant in data.wimse.acl[input.identity.id]",
      "some caller, grants in data.wimse.acl\n\tcaller == input.identity.id\n\tsome grant in grants",
    );
    expect(scanning).not.toBe(source);
    expect(aclUse(plan(scanning))).toEqual({ keyedLookups: 0, scansOfAcl: 1 });
  });
});
