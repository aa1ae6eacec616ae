/**
 * Policy evaluation of one Check, split into its steps, on the bench workload's real inputs:
 * CheckRequest.toJSON (the generic protobuf-JSON walk), JSON.stringify of the whole input, UTF-8
 * encoding, and the engine's evaluate (which includes stringify + encode + opa_eval + result parse).
 * Then A/B in alternating batches: an engine given the whole input (the same bundle without its
 * inputPaths, as for an `opa build` tarball) against one given the projected input
 * (src/policy/projection.ts), and the projection's own cost.
 *
 *   npx tsc -p tsconfig.bench.json && node dist-bench/bench/profile-policy.js --seconds 2
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { hostBuiltins } from "../src/policy/builtins/index.js";
import { DEFAULT_ENTRYPOINT, WasmPolicyEngine } from "../src/policy/engine.js";
import { compileProjection, project } from "../src/policy/projection.js";
import { instantiate, jsonBuffer, textEvaluator } from "../src/policy/sdk.js";
import { regoDirectorySource } from "../src/policy/source.js";
import { buildInput } from "../src/extauthz/input.js";
import { CheckRequest } from "../src/gen/envoy/service/auth/v3/external_auth.js";
import { ensureRuntimeWasm, repoRoot } from "./paths.js";
import { abCompare, perCall, prepareStages, profileRuntimes } from "./profile-lib.js";

const benchDir = dirname(fileURLToPath(import.meta.url));
const root = repoRoot(benchDir);
const { values } = parseArgs({ options: { seconds: { type: "string", default: "2" } } });

async function main(): Promise<void> {
  const ms = Number(values.seconds) * 1000;
  ensureRuntimeWasm(root, benchDir);
  const dir = mkdtempSync(join(tmpdir(), "wimse-profile-"));
  try {
    const { workload, config, identity, policy } = await profileRuntimes(root, dir, 100);
    const inputs = workload.requests.map(({ request }) => {
      const { target, auth } = prepareStages(request, { config, identity });
      return buildInput({ request, target, body: { truncated: false }, auth });
    });
    const texts = inputs.map((i) => JSON.stringify(i));
    const enc = new TextEncoder();
    const requests = workload.requests.map((r) => r.request);
    console.log(`input JSON: ${texts[0]?.length} chars (first request)`);
    const rows: Array<[string, number]> = [
      ["CheckRequest.toJSON", perCall(requests, ms / 2, (r) => CheckRequest.toJSON(r))],
      ["JSON.stringify(input)", perCall(inputs, ms / 2, (i) => JSON.stringify(i))],
      [
        "JSON.stringify(parsed copy)",
        perCall(
          texts.map((t) => JSON.parse(t)),
          ms / 2,
          (i) => JSON.stringify(i),
        ),
      ],
      ["JSON.stringify(attributes)", perCall(inputs, ms / 2, (i) => JSON.stringify(i.attributes))],
      ["JSON.stringify(identity)", perCall(inputs, ms / 2, (i) => JSON.stringify(i.identity))],
      ["TextEncoder.encode(text)", perCall(texts, ms / 2, (t) => enc.encode(t))],
      ["engine.evaluate(input)", perCall(inputs, ms, (i) => policy.evaluate(i))],
    ];
    const bundle = await regoDirectorySource(join(root, "policies"), [DEFAULT_ENTRYPOINT]).load();
    const wasm = await instantiate(bundle.wasm, hostBuiltins({ strict: true }));
    wasm.setData(jsonBuffer(bundle.data));
    const entrypoint = wasm.entrypoints[DEFAULT_ENTRYPOINT] as number;
    const direct = textEvaluator(wasm);
    if (!direct) throw new Error("profile: the module predates ABI 1.2");
    const [sdkUs, directUs] = abCompare(
      inputs,
      ms * 2,
      (i) => wasm.evaluate(jsonBuffer(i), entrypoint),
      (i) => direct(JSON.stringify(i), entrypoint),
    );
    rows.push(["A: SDK evaluate(jsonBuffer)", sdkUs], ["B: direct opa_eval(text)", directUs]);
    // How much of opa_eval is parsing the input: the same decisions from the fields the default
    // policy reads only (identity, method, path, destination) against the whole input.
    const minimal = inputs.map((i) => {
      const a = i.attributes as { request: { http: Record<string, unknown> }; destination: unknown };
      const http = a.request.http;
      const id = i.identity as Record<string, unknown>;
      return JSON.stringify({
        attributes: {
          request: { http: { method: http.method, path: http.path, host: http.host } },
          destination: a.destination,
        },
        identity: { id: id.id, scheme: id.scheme, trustDomain: id.trustDomain },
      });
    });
    const full = inputs.map((i) => JSON.stringify(i));
    const [fullUs, minUs] = abCompare(
      inputs.map((_, k) => k),
      ms * 2,
      (k) => direct(full[k] as string, entrypoint),
      (k) => direct(minimal[k] as string, entrypoint),
    );
    rows.push(
      [`opa_eval, whole input (${full[0]?.length} B)`, fullUs],
      [`opa_eval, policy's fields (${minimal[0]?.length} B)`, minUs],
    );
    // Input projection: the same engine and bundle, with and without the compiler's inputPaths.
    const projection = compileProjection(bundle.inputPaths);
    if (!projection) throw new Error("profile: the default policy has no input projection");
    const engineFor = async (paths: boolean) => {
      const b = paths ? bundle : { ...bundle, inputPaths: undefined };
      const e = await WasmPolicyEngine.start({
        source: { description: "profile", watchPaths: [], load: async () => b },
      });
      if (!e.ready) throw new Error("profile: engine did not load");
      return e;
    };
    const wholeEngine = await engineFor(false);
    const projectedEngine = await engineFor(true);
    for (const i of inputs) {
      const a = JSON.stringify(wholeEngine.evaluate(i));
      if (a !== JSON.stringify(projectedEngine.evaluate(i))) throw new Error("profile: outcomes differ");
    }
    const projectedText = JSON.stringify(project(inputs[0], projection));
    console.log(`projected input JSON: ${projectedText.length} chars (first request)`);
    rows.push(["project(input)", perCall(inputs, ms / 2, (i) => project(i, projection))]);
    rows.push([
      "JSON.stringify(project(input))",
      perCall(inputs, ms / 2, (i) => JSON.stringify(project(i, projection))),
    ]);
    const [wholeEvalUs, projectedEvalUs] = abCompare(
      inputs,
      ms * 2,
      (i) => wholeEngine.evaluate(i),
      (i) => projectedEngine.evaluate(i),
    );
    rows.push(
      ["A: engine.evaluate, whole input", wholeEvalUs],
      ["B: engine.evaluate, projected input", projectedEvalUs],
    );
    for (const [name, us] of rows) console.log(`${name.padEnd(36)} ${us.toFixed(2).padStart(9)} µs`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
