/**
 * Differential test of input projection: for each policy and many seeded random inputs, the result
 * of evaluating the module on the projected input (src/policy/projection.ts, with the paths our
 * compiler's analysis reports) must equal the result on the whole input: same result set, or the
 * same error. Any difference is an under-inclusion, i.e. a security bug.
 *
 * Policies: the default policy (policies/envoy/authz.rego with policies/data.json), the middlebox
 * example of docs/policy-guide.md, and small adversarial policies that read the input in odd ways.
 * Inputs: Envoy-shaped inputs with random missing / extra / false / null / array / scalar variants,
 * and random JSON over a small key alphabet for the adversarial policies.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { compileTree } from "../../src/policy/bundle/directory.js";
import { hostBuiltins } from "../../src/policy/builtins/index.js";
import { WasmPolicyEngine } from "../../src/policy/engine.js";
import { compileProjection, project } from "../../src/policy/projection.js";
import { instantiate, jsonBuffer, textEvaluator } from "../../src/policy/sdk.js";
import type { PolicySource } from "../../src/policy/source.js";
import { compileRego } from "../../src/rego/compile.js";
import type { InputPath } from "../../src/rego/index.js";
import { mulberry32, type Rng, pick } from "../support/prng.js";

const root = path.resolve(import.meta.dirname, "../..");
const defaultRego = readFileSync(path.join(root, "policies/envoy/authz.rego"));
const defaultData = JSON.parse(readFileSync(path.join(root, "policies/data.json"), "utf8")) as Record<
  string,
  unknown
>;

// ------------------------------------------------------------------ seeded random inputs

const IDS = [
  ...Object.keys((defaultData.wimse as { acl: Record<string, unknown> }).acl),
  "spiffe://demo.wimse-authz.local/ns/demo/sa/other",
  "spiffe://demo.wimse-authz.local/ns/edge/sa/middlebox",
  "spiffe://evil.example/ns/demo/sa/frontend",
  "spiffe://demo.wimse-authz.local.evil/ns/demo/sa/frontend",
];
const DESTINATIONS = [
  "spiffe://demo.wimse-authz.local/ns/demo/sa/backend",
  "wimse://demo2.wimse-authz.local/workload/billing",
  "spiffe://demo.wimse-authz.local/ns/demo/sa/other",
  "",
];
const PATHS = [
  "/api",
  "/api/orders?x=1",
  "/apix",
  "/public",
  "/public/a",
  "/healthz",
  "/readyz?probe=1",
  "/invoices/7",
  "/callbacks/billing",
  "/admin/users",
  "/",
];
const METHODS = ["GET", "POST", "HEAD", "DELETE", "get"];

function identityOf(rng: Rng): Record<string, unknown> {
  const id = pick(rng, IDS);
  const m = /^([a-z]+):\/\/([^/]+)(\/.*)$/.exec(id)!;
  const identity: Record<string, unknown> = {
    id,
    scheme: m[1],
    trustDomain: m[2],
    path: m[3],
    method: pick(rng, ["mtls", "xfcc", "client-cert"]),
    certificate: {
      serialNumber: "0a1b2c",
      notBefore: "2026-11-01T00:00:00Z",
      notAfter: "2026-12-01T00:00:00Z",
      sha256: "ab".repeat(32),
    },
  };
  if (rng() < 0.3) {
    identity.proxy = { id: "spiffe://demo.wimse-authz.local/ns/edge/sa/middlebox", method: "mtls" };
  }
  return identity;
}

/** An input shaped like buildInput's (src/extauthz/input.ts). */
function envoyInput(rng: Rng, maxMutations = 4): Record<string, unknown> {
  const p = pick(rng, PATHS);
  const segments = p.split("?")[0]!.split("/").slice(1);
  const input: Record<string, unknown> = {
    attributes: {
      source: {
        address: { socketAddress: { address: "10.0.0.7", portValue: 41000 } },
        principal: pick(rng, IDS),
        certificate: `-----BEGIN%20CERTIFICATE-----%0A${"MIIB".repeat(300)}%0A-----END%20CERTIFICATE-----%0A`,
      },
      destination: {
        address: { socketAddress: { address: "10.0.0.8", portValue: 8443 } },
        principal: pick(rng, DESTINATIONS),
      },
      request: {
        time: "2026-11-26T12:00:00Z",
        http: {
          id: String(Math.floor(rng() * 1e9)),
          method: pick(rng, METHODS),
          headers: { ":authority": "backend", ":path": p, "user-agent": "bench", "x-request-id": "r1" },
          path: p,
          host: "backend",
          scheme: "https",
          protocol: "HTTP/2",
        },
      },
      metadataContext: {},
    },
    parsed_path: segments,
    parsed_query: {},
    truncated_body: false,
    version: { ext_authz: "v3", encoding: "protojson" },
  };
  if (rng() < 0.8) input.identity = identityOf(rng);
  if (rng() < 0.3) input.identity_error = { code: pick(rng, ["no_certificate", "untrusted", ""]) };
  const mutations = Math.floor(rng() * maxMutations);
  for (let i = 0; i < mutations; i++) mutate(rng, input);
  return input;
}

const ODD_VALUES: (() => unknown)[] = [
  () => false,
  () => null,
  () => true,
  () => 0,
  () => 1,
  () => "",
  () => "x",
  () => [],
  () => ["GET"],
  () => ({}),
  () => ({ extra: 1 }),
];

/** Replaces, deletes or extends one random node of `input`. */
function mutate(rng: Rng, input: Record<string, unknown>): void {
  const nodes: [Record<string, unknown>, string][] = [];
  const walk = (v: unknown): void => {
    if (typeof v !== "object" || v === null || Array.isArray(v)) return;
    for (const k of Object.keys(v)) {
      nodes.push([v as Record<string, unknown>, k]);
      walk((v as Record<string, unknown>)[k]);
    }
  };
  walk(input);
  const [obj, key] = pick(rng, nodes);
  const r = rng();
  if (r < 0.25) delete obj[key];
  else if (r < 0.85) obj[key] = pick(rng, ODD_VALUES)();
  else if (typeof obj[key] === "object" && obj[key] !== null && !Array.isArray(obj[key])) {
    (obj[key] as Record<string, unknown>)[pick(rng, ["extra", "method", "path", "id", "1"])] = pick(
      rng,
      ODD_VALUES,
    )();
  } else obj[key] = [obj[key]];
}

const KEYS = ["a", "b", "c", "d", "k", "list", "o", "x", "1", "__proto__"];
const SCALARS: unknown[] = [false, true, null, 0, 1, 2, 2.5, "", "x", "a", "b", "c", "1"];

function randomValue(rng: Rng, depth: number): unknown {
  const r = rng();
  if (depth <= 0 || r < 0.3) return pick(rng, SCALARS);
  if (r < 0.42) return Array.from({ length: Math.floor(rng() * 4) }, () => randomValue(rng, depth - 1));
  if (r < 0.47) return {};
  const o: Record<string, unknown> = {};
  for (const key of KEYS) {
    if (rng() > 0.45) continue;
    Object.defineProperty(o, key, {
      value: randomValue(rng, depth - 1),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return o;
}

/** Paths the adversarial policies read, so that random inputs often define them. */
const INTERESTING = [
  ["a"],
  ["a", "b"],
  ["a", "c"],
  ["a", "x"],
  ["a", "b", "c", "d"],
  ["a", "1"],
  ["c"],
  ["d"],
  ["k"],
  ["o"],
  ["o", "c"],
  ["list"],
];

/**
 * Random JSON: values at a few of the paths the policies read (intermediate objects created as
 * needed), each a random scalar, array or object over a small key alphabet.
 */
function genericInput(rng: Rng): unknown {
  if (rng() < 0.03) return pick(rng, [null, false, [], "x", 1]);
  const input = rng() < 0.3 ? (randomValue(rng, 3) as Record<string, unknown>) : {};
  if (typeof input !== "object" || input === null || Array.isArray(input)) return input;
  const n = 1 + Math.floor(rng() * 6);
  for (let i = 0; i < n; i++) {
    const p = pick(rng, INTERESTING);
    let cur = input;
    for (const key of p.slice(0, -1)) {
      const next = cur[key];
      if (typeof next === "object" && next !== null && !Array.isArray(next))
        cur = next as Record<string, unknown>;
      else {
        const o: Record<string, unknown> = {};
        cur[key] = o;
        cur = o;
      }
    }
    cur[p.at(-1)!] = randomValue(rng, 2);
  }
  return input;
}

// ------------------------------------------------------------------ policies

const EDGE_EXAMPLE = `package envoy.edge

middlebox := "spiffe://demo.wimse-authz.local/ns/edge/sa/middlebox"

frontend := "spiffe://demo.wimse-authz.local/ns/demo/sa/frontend"

http := input.attributes.request.http

default allow := false

allow if {
	input.identity.method == "mtls"
	not input.identity.proxy
	input.identity.id == frontend
	input.parsed_path[0] == "api"
}

allow if {
	input.identity.method == "xfcc"
	input.identity.proxy.id == middlebox
	input.identity.id == frontend
	input.parsed_path[0] == "admin"
	http.method == "GET"
}
`;

/** Small policies reading the input in odd ways (package t, entrypoint t/p). */
const ADVERSARIAL: Record<string, string> = {
  "existence test": "p if input.a.b",
  "negated existence": "p if not input.a.b",
  "false / null leaf": "default p := 0\np := 1 if input.a.b == false\np := 2 if input.a.b == null",
  "unify with constants": 'default p := 0\np := 1 if input.a.b = "x"\np := 2 if input.c = true',
  "equal to {}": "p if input.a == {}",
  "count of a subtree": "p := count(input.a)",
  "object.keys": "p := object.keys(input.a)",
  "dynamic key from input": "p := input.a[input.k]",
  "number-like string key": 'p := input.a["1"]',
  "array index": "p := input.list[1]",
  "some k, v in": "p := [k | some k, v in input.a; v]",
  every: "p if every k, v in input.o { v != null }",
  "set comprehension over keys": "p := {k | input.a[k]}",
  "else chain": 'p := x if { x := input.a.b } else := "none"',
  "function on a subtree": "f(x) := x.b\ng(x) := x\np := [f(input.a), g(input.o).c]",
  "conflicting complete rule": "x := input.a if input.k == 1\nx := input.b if input.k == 2\np := x.c",
  "two definitions both firing": "x := input.a if input.c\nx := input.o if input.d\np := x.b",
  "unify two values": "p if input.a = input.o",
  "json.marshal": "p := json.marshal(input.o)",
  "with input replaced": 'q := input.a.b\np := [q, r] if { r := q with input.a.b as "w" }',
  "with input from input": "q := input.a.c\np := x if { x := q with input.a as input.o }",
  "import alias": "import input.a as h\np if { h.b; not h.c }",
  "deep path": "p := input.a.b.c.d",
  "rule returning a subtree": "h := input.a\np := {h.b: h.c} if h.x",
  "partial set of input values": "s contains input.a.b if input.c\ns contains input.d if true\np := s",
  "type checks": "p := [is_object(input.a), type_name(input.a.b), is_array(input.list)]",
  "two locals compared": "p if input.a.b == input.o",
  "whole input": "p := count(input)",
  walk: "p := [x | walk(input.a, [_, x]); x == 1]",
  "object.get": 'p := object.get(input, ["a", "b"], "default")',
  union: 'p := object.union(input.a, {"b": 1})',
  destructuring: "p := x if { [x, _] := input.list }",
  "object pattern": 'p := y if { {"b": y} := input.a }',
};

// ------------------------------------------------------------------ evaluation

interface Loaded {
  inputPaths: InputPath[] | undefined;
  evaluate(text: string): string;
}

async function load(files: { path: string; text: string | Uint8Array }[], entrypoint: string, data = {}) {
  const compiled = compileRego(files, { entrypoints: [entrypoint], strictBuiltinErrors: true });
  const policy = await instantiate(compiled.wasm, hostBuiltins({ strict: true }));
  policy.setData(jsonBuffer(data));
  const direct = textEvaluator(policy);
  if (!direct) throw new Error("module predates ABI 1.2");
  const id = compiled.entrypoints[entrypoint]!;
  const loaded: Loaded = {
    inputPaths: compiled.inputPaths,
    evaluate(text) {
      try {
        return JSON.stringify(direct(text, id));
      } catch (e) {
        return `error: ${(e as Error).message}`;
      }
    },
  };
  return loaded;
}

interface Stats {
  cases: number;
  narrowed: number;
  outcomes: Set<string>;
}

/** Evaluates every input whole and projected; returns the differences (none expected). */
function differential(p: Loaded, paths: InputPath[] | undefined, inputs: unknown[], stats: Stats): string[] {
  const projection = compileProjection(paths);
  const diffs: string[] = [];
  for (const input of inputs) {
    const whole = JSON.stringify(input);
    const projected = JSON.stringify(project(input, projection));
    const a = p.evaluate(whole);
    const b = projected === whole ? a : p.evaluate(projected);
    stats.cases++;
    if (projected.length < whole.length) stats.narrowed++;
    stats.outcomes.add(a);
    if (a !== b && diffs.length < 3)
      diffs.push(`input ${whole}\n projected ${projected}\n whole: ${a}\n proj:  ${b}`);
  }
  return diffs;
}

const summary: { name: string; cases: number; narrowed: number; outcomes: number }[] = [];
afterAll(() => {
  const total = summary.reduce((n, s) => n + s.cases, 0);
  console.log(`projection differential: ${total} cases over ${summary.length} policies`);
  for (const s of summary) {
    console.log(`  ${s.name}: ${s.cases} cases, ${s.narrowed} narrowed, ${s.outcomes} distinct outcomes`);
  }
});

function run(name: string, p: Loaded, inputs: unknown[], minOutcomes = 2): void {
  const stats: Stats = { cases: 0, narrowed: 0, outcomes: new Set() };
  const diffs = differential(p, p.inputPaths, inputs, stats);
  summary.push({ name, cases: stats.cases, narrowed: stats.narrowed, outcomes: stats.outcomes.size });
  expect(diffs).toEqual([]);
  // The inputs exercise the policy (several outcomes), not one constant answer.
  expect(stats.outcomes.size).toBeGreaterThanOrEqual(minOutcomes);
}

const ENVOY_INPUTS = 1500;
const GENERIC_INPUTS = 800;

describe("projection differential: decisions on projected input equal decisions on the whole input", () => {
  it("default policy (policies/envoy/authz.rego + policies/data.json)", async () => {
    const p = await load([{ path: "envoy/authz.rego", text: defaultRego }], "envoy/authz/allow", defaultData);
    expect(p.inputPaths).toBeDefined();
    const rng = mulberry32(1);
    const inputs = Array.from({ length: ENVOY_INPUTS }, () => envoyInput(rng));
    run("default policy", p, inputs, 5);
    // The projection removes most of the input for this policy.
    expect(summary.at(-1)!.narrowed).toBe(ENVOY_INPUTS);
  });

  it("docs/policy-guide.md middlebox example", async () => {
    const p = await load([{ path: "edge.rego", text: EDGE_EXAMPLE }], "envoy/edge/allow");
    expect(p.inputPaths).toBeDefined();
    const rng = mulberry32(2);
    const inputs = Array.from({ length: ENVOY_INPUTS }, () => {
      const input = envoyInput(rng);
      // Steer some inputs to the allowing shapes.
      const id = input.identity as Record<string, unknown> | undefined;
      if (typeof id === "object" && id !== null && !Array.isArray(id) && rng() < 0.5) {
        id.id = "spiffe://demo.wimse-authz.local/ns/demo/sa/frontend";
        input.parsed_path = [pick(rng, ["api", "admin", "public"])];
        if (rng() < 0.5) id.method = "xfcc";
      }
      return input;
    });
    run("policy-guide middlebox example", p, inputs, 2);
  });

  for (const [name, rego] of Object.entries(ADVERSARIAL)) {
    it(`adversarial: ${name}`, async () => {
      const p = await load([{ path: "t.rego", text: `package t\n${rego}` }], "t/p");
      const rng = mulberry32(name.length * 7919 + name.charCodeAt(0));
      const inputs = Array.from({ length: GENERIC_INPUTS }, () => genericInput(rng));
      run(name, p, inputs);
    });
  }

  it("has teeth: dropping any one path of the default policy's list changes some decision", async () => {
    const p = await load([{ path: "envoy/authz.rego", text: defaultRego }], "envoy/authz/allow", defaultData);
    const rng = mulberry32(3);
    const inputs = Array.from({ length: 600 }, () => envoyInput(rng));
    const full = p.inputPaths!;
    expect(full.length).toBeGreaterThan(3);
    for (let i = 0; i < full.length; i++) {
      const fewer = full.filter((_, j) => j !== i);
      const stats: Stats = { cases: 0, narrowed: 0, outcomes: new Set() };
      const diffs = differential(p, fewer, inputs, stats);
      expect(diffs.length, `without ${full[i]!.path.join(".")}`).toBeGreaterThan(0);
    }
  });
});

describe("the engine projects the input of a compiled directory bundle", () => {
  const tree = {
    rego: [{ relPath: "envoy/authz.rego", text: new Uint8Array(defaultRego) }],
    data: [{ relPath: "data.json", bytes: new TextEncoder().encode(JSON.stringify(defaultData)) }],
  };
  const source = (withPaths: boolean): PolicySource => ({
    description: "test",
    watchPaths: [],
    load: async () => {
      const b = compileTree(tree, ["envoy/authz/allow"]);
      if (!withPaths) delete b.inputPaths;
      return b;
    },
  });

  it("default policy: the projected input keeps method, path and identity, drops the certificate", () => {
    const b = compileTree(tree, ["envoy/authz/allow"]);
    const projection = compileProjection(b.inputPaths);
    expect(projection).toBeDefined();
    const input = envoyInput(mulberry32(9), 0);
    const full = identityOf(mulberry32(10));
    input.identity = full;
    const out = project(input, projection) as {
      attributes: { source?: unknown; request: { http: Record<string, unknown> } };
      identity: Record<string, unknown>;
    };
    const http = (input.attributes as { request: { http: Record<string, unknown> } }).request.http;
    expect(out.attributes.source).toBeUndefined();
    expect(JSON.stringify(out)).not.toContain("CERTIFICATE");
    expect(out.attributes.request.http.method).toBe(http.method);
    expect(out.attributes.request.http.path).toBe(http.path);
    expect(out.attributes.request.http.headers).toBeUndefined();
    expect(out.identity).toEqual({ id: full.id, scheme: full.scheme, trustDomain: full.trustDomain });
  });

  it("same outcomes as an engine given the whole input (bundle without inputPaths)", async () => {
    const projected = await WasmPolicyEngine.start({ source: source(true) });
    const whole = await WasmPolicyEngine.start({ source: source(false) });
    expect(projected.ready && whole.ready).toBe(true);
    const rng = mulberry32(4);
    const kinds = new Set<string>();
    for (let i = 0; i < 300; i++) {
      const input = envoyInput(rng);
      const a = whole.evaluate(input);
      expect(projected.evaluate(input)).toEqual(a);
      kinds.add(a.kind === "decision" ? String(a.decision.allowed) : a.code);
    }
    expect(kinds.has("true") && kinds.has("false")).toBe(true);
  });
});
