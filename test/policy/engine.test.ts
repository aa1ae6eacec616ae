import { mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PolicyBundle } from "../../src/policy/bundle/types.js";
import { writeTarGz } from "../../src/policy/bundle/write.js";
import { WasmPolicyEngine } from "../../src/policy/engine.js";
import { PolicyError } from "../../src/policy/errors.js";
import type { ReloadEvent } from "../../src/policy/listener.js";
import { type PolicySource, bundleFileSource } from "../../src/policy/source.js";
import { echoPolicy } from "./fixture-wasm.js";

const wasm = echoPolicy();
/** The fixture module declares the host builtin custom.fail; the engine refuses modules lacking one. */
const custom = { "custom.fail": (x: unknown) => x };
const enc = new TextEncoder();

function bundle(revision: string, data: Record<string, unknown> = {}): PolicyBundle {
  return {
    wasm,
    data,
    revision,
    entrypoints: ["test/echo", "test/data", "test/builtin"],
    manifest: { revision, roots: [""], wasm: [] },
    sources: [],
  };
}

/** A source whose next load result the test controls. */
function scripted(): PolicySource & { next: () => Promise<PolicyBundle> } {
  const s = {
    description: "scripted",
    watchPaths: [],
    next: async () => bundle("r1"),
    load: () => s.next(),
  };
  return s;
}

describe("WasmPolicyEngine evaluation", () => {
  let engine: WasmPolicyEngine;
  beforeAll(async () => {
    engine = await WasmPolicyEngine.start({
      source: scripted(),
      entrypoint: "test/echo",
      extraBuiltins: custom,
    });
  });

  it("is ready with the bundle revision", () => {
    expect(engine.ready).toBe(true);
    expect(engine.revision).toBe("r1");
  });

  it("returns validated decisions", () => {
    expect(engine.evaluate({ decision: true })).toMatchObject({
      kind: "decision",
      decision: { allowed: true },
      revision: "r1",
    });
    expect(engine.evaluate({ decision: { allowed: false, http_status: 401, body: "no" } })).toMatchObject({
      kind: "decision",
      decision: { allowed: false, httpStatus: 401, body: "no" },
    });
  });

  it.each([
    ["undefined decision", {}, "policy_undefined"],
    ["non-object input", 7, "policy_undefined"],
    ["string decision", { decision: "yes" }, "policy_malformed_decision"],
    ["object without allowed", { decision: { headers: {} } }, "policy_malformed_decision"],
    ["allowed as string", { decision: { allowed: "true" } }, "policy_malformed_decision"],
    [
      "CRLF in a header",
      { decision: { allowed: true, headers: { a: "b\r\nc: d" } } },
      "policy_malformed_decision",
    ],
  ])("denies on %s", (_name, input, code) => {
    const out = engine.evaluate(input);
    expect(out.kind).toBe("error");
    if (out.kind === "error") expect(out.code).toBe(code);
  });

  it("reports input that cannot be serialised", () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(engine.evaluate(cyclic)).toMatchObject({ kind: "error", code: "policy_input_invalid" });
    expect(engine.evaluate({ n: 1n })).toMatchObject({ kind: "error", code: "policy_input_invalid" });
    // JSON.stringify gives undefined (not text) for these: denied, never evaluated as "undefined".
    expect(engine.evaluate(() => true)).toMatchObject({ kind: "error", code: "policy_input_invalid" });
    expect(engine.evaluate(Symbol("x"))).toMatchObject({ kind: "error", code: "policy_input_invalid" });
  });

  it("evaluates inputs larger than the module's initial memory", () => {
    const big = "x".repeat(2_000_000);
    expect(engine.evaluate({ decision: { allowed: true, body: big } })).toMatchObject({
      kind: "decision",
      decision: { allowed: true, body: big },
    });
    expect(engine.evaluate({ decision: false })).toMatchObject({
      kind: "decision",
      decision: { allowed: false },
    });
  });
});

describe("WasmPolicyEngine host builtins", () => {
  const failing = {
    "custom.fail": (x: unknown) => {
      if (x === "boom") throw new Error("boom");
      return { allowed: x === "ok" };
    },
  };

  it("rejects a policy that needs a builtin the host lacks", async () => {
    const events: ReloadEvent[] = [];
    const engine = await WasmPolicyEngine.start({
      source: scripted(),
      entrypoint: "test/builtin",
      listener: { onReload: (e) => events.push(e) },
    });
    expect(engine.ready).toBe(false);
    expect(events[0]?.error?.code).toBe("policy_missing_builtin");
    expect(engine.evaluate({ arg: "ok" })).toMatchObject({ kind: "error", code: "policy_not_loaded" });
  });

  it("denies with policy_eval_error when a builtin throws (strict default)", async () => {
    const engine = await WasmPolicyEngine.start({
      source: scripted(),
      entrypoint: "test/builtin",
      extraBuiltins: failing,
    });
    expect(engine.evaluate({ arg: "ok" })).toMatchObject({ kind: "decision", decision: { allowed: true } });
    expect(engine.evaluate({ arg: "boom" })).toMatchObject({ kind: "error", code: "policy_eval_error" });
    expect(engine.evaluate({ arg: "ok" })).toMatchObject({ kind: "decision", decision: { allowed: true } });
  });
});

describe("WasmPolicyEngine reload", () => {
  it("keeps the last good policy when a reload fails, and reports both", async () => {
    const events: ReloadEvent[] = [];
    const src = scripted();
    const engine = await WasmPolicyEngine.start({
      source: src,
      entrypoint: "test/data",
      extraBuiltins: custom,
      listener: { onReload: (e) => events.push(e) },
    });
    src.next = async () => bundle("r1", { answer: true });
    await engine.reload();
    expect(engine.evaluate({})).toMatchObject({
      kind: "decision",
      decision: { allowed: true },
      revision: "r1",
    });

    src.next = async () => {
      throw new PolicyError("policy_compile_error", "x.rego:1:1: rego_parse_error: bad");
    };
    const failed = await engine.reload();
    expect(failed).toMatchObject({
      ok: false,
      trigger: "explicit",
      revision: "r1",
      error: { code: "policy_compile_error" },
    });
    expect(engine.evaluate({})).toMatchObject({ kind: "decision", revision: "r1" });

    src.next = async () => ({ ...bundle("r2", { answer: false }), wasm: new Uint8Array([0, 1, 2]) });
    expect(await engine.reload()).toMatchObject({ ok: false, error: { code: "policy_instantiate_error" } });

    src.next = async () => ({ ...bundle("r3"), entrypoints: ["other/rule"] });
    expect(await engine.reload()).toMatchObject({ ok: false, error: { code: "policy_missing_entrypoint" } });

    src.next = async () => bundle("r4", { answer: false });
    expect(await engine.reload()).toMatchObject({ ok: true, revision: "r4" });
    expect(engine.evaluate({})).toMatchObject({
      kind: "decision",
      decision: { allowed: false },
      revision: "r4",
    });
    expect(events.map((e) => e.ok)).toEqual([true, true, false, false, false, true]);
  });

  it("coalesces concurrent reloads", async () => {
    const src = scripted();
    let loads = 0;
    src.next = async () => {
      loads++;
      await new Promise((r) => setTimeout(r, 20));
      return bundle(`r${loads}`);
    };
    const engine = await WasmPolicyEngine.start({
      source: src,
      entrypoint: "test/echo",
      extraBuiltins: custom,
    });
    loads = 0;
    await Promise.all([engine.reload(), engine.reload(), engine.reload()]);
    expect(loads).toBe(2);
  });
});

describe("WasmPolicyEngine watching a bundle file", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "wimse-policy-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const write = async (file: string, revision: string, answer: unknown) => {
    const bytes = await writeTarGz([
      { path: "/.manifest", bytes: enc.encode(JSON.stringify({ revision })) },
      { path: "/policy.wasm", bytes: wasm },
      { path: "/data.json", bytes: enc.encode(JSON.stringify({ answer })) },
    ]);
    await writeFile(`${file}.tmp`, bytes);
    await rename(`${file}.tmp`, file);
  };

  it("reloads on atomic replace and rejects a broken file", async () => {
    const file = path.join(dir, "bundle.tar.gz");
    await write(file, "v1", true);
    const events: ReloadEvent[] = [];
    const engine = await WasmPolicyEngine.start({
      source: bundleFileSource(file),
      entrypoint: "test/data",
      watch: true,
      extraBuiltins: custom,
      debounceMs: 50,
      listener: { onReload: (e) => events.push(e) },
    });
    try {
      expect(engine.revision).toBe("v1");
      await write(file, "v2", false);
      await waitFor(() => engine.revision === "v2");
      expect(engine.evaluate({})).toMatchObject({ decision: { allowed: false }, revision: "v2" });
      await writeFile(file, "garbage");
      await waitFor(() => events.some((e) => !e.ok));
      expect(engine.revision).toBe("v2");
      expect(events.find((e) => !e.ok)).toMatchObject({
        trigger: "watch",
        error: { code: "bundle_invalid_archive" },
      });
    } finally {
      engine.close();
    }
  });
});

async function waitFor(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not reached");
    await new Promise((r) => setTimeout(r, 20));
  }
}
