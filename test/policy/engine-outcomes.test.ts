/**
 * The engine keeps one outcome per distinct result text of the policy in force: repeated results
 * give the same frozen outcome (equal to what a first evaluation gives), a reload starts afresh
 * (new revision), and results that are long or too many are still evaluated correctly.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PolicyBundle } from "../../src/policy/bundle/types.js";
import { validateDecision } from "../../src/policy/decision.js";
import { WasmPolicyEngine } from "../../src/policy/engine.js";
import type { PolicySource } from "../../src/policy/source.js";
import type { Decision, EvaluationOutcome } from "../../src/policy/types.js";
import { echoPolicy } from "./fixture-wasm.js";

const wasm = echoPolicy();

function bundle(revision: string): PolicyBundle {
  return {
    wasm,
    data: {},
    revision,
    entrypoints: ["test/echo", "test/data", "test/builtin"],
    manifest: { revision, roots: [""], wasm: [] },
    sources: [],
  };
}

/** What validation alone makes of a decision value (the engine's answer without any reuse). */
function expected(value: unknown, revision: string): EvaluationOutcome {
  const checked = validateDecision(value);
  return checked.ok
    ? { kind: "decision", decision: checked.decision, revision }
    : { kind: "error", code: "policy_malformed_decision", message: checked.message, revision };
}

const decisionOf = (o: EvaluationOutcome): Decision => {
  if (o.kind !== "decision") throw new Error(`not a decision: ${JSON.stringify(o)}`);
  return o.decision;
};

describe("WasmPolicyEngine outcomes by result", () => {
  let engine: WasmPolicyEngine;
  let revision = "r1";
  const source: PolicySource = {
    description: "scripted",
    watchPaths: [],
    load: async () => bundle(revision),
  };
  beforeAll(async () => {
    engine = await WasmPolicyEngine.start({
      source,
      entrypoint: "test/echo",
      extraBuiltins: { "custom.fail": (x: unknown) => x },
    });
    expect(engine.ready).toBe(true);
  });
  afterAll(() => engine.close());

  it("gives a repeated result the same outcome, frozen, equal to a first evaluation's", () => {
    const d = {
      allowed: false,
      http_status: 401,
      body: "no",
      headers: { "x-a": ["1", "2"] },
      dynamic_metadata: { m: [1, { n: "x" }] },
    };
    const first = engine.evaluate({ decision: d });
    const again = engine.evaluate({ decision: d, other: "ignored input" });
    expect(first).toEqual(expected(d, "r1"));
    expect(again).toBe(first);
    const decision = decisionOf(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(Object.isFrozen(decision.headers["x-a"])).toBe(true);
    expect(Object.isFrozen((decision.dynamicMetadata as { m: unknown[] }).m[1])).toBe(true);
    expect(() => {
      (decision.headers["x-a"] as string[]).push("3");
    }).toThrow(TypeError);
    // A different result is a different outcome.
    expect(engine.evaluate({ decision: { ...d, body: "other" } })).toEqual(
      expected({ ...d, body: "other" }, "r1"),
    );
  });

  it("keeps undefined and malformed results as such", () => {
    for (let i = 0; i < 2; i++) {
      expect(engine.evaluate({})).toMatchObject({ kind: "error", code: "policy_undefined", revision: "r1" });
      expect(engine.evaluate({ decision: "yes" })).toEqual(expected("yes", "r1"));
    }
  });

  it("answers correctly past the kept limits (many distinct results, long results)", () => {
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 1200; i++) {
        const d = { allowed: i % 3 === 0, body: `b${i}` };
        expect(engine.evaluate({ decision: d })).toEqual(expected(d, "r1"));
      }
    }
    const long = { allowed: false, body: "x".repeat(5000) };
    const a = engine.evaluate({ decision: long });
    expect(a).toEqual(expected(long, "r1"));
    expect(engine.evaluate({ decision: long })).toEqual(a);
  });

  it("starts afresh after a reload: the outcome carries the new revision", async () => {
    const d = { allowed: true };
    expect(engine.evaluate({ decision: d }).revision).toBe("r1");
    revision = "r2";
    expect(await engine.reload()).toMatchObject({ ok: true, revision: "r2" });
    expect(engine.evaluate({ decision: d })).toEqual(expected(d, "r2"));
  });
});
