/**
 * Per-Check CPU cost in one process, without gRPC: the bench's workload (bench/workload.ts) and our
 * real identity and policy runtimes behind the real checker, called in a loop (also over the policy
 * engine itself, whose evaluateText lets the checker write only the input the policy reads),
 * then each stage alone (input construction, policy evaluation, response, audit formatting, metrics). Run it under
 * `node --cpu-prof` to see where a Check's time goes:
 *
 *   npx tsc -p tsconfig.bench.json && node --cpu-prof --cpu-prof-dir /tmp/prof \
 *     dist-bench/bench/profile.js --seconds 5
 *
 * Flags: --seconds S (3) per measurement, --identities N (100).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { formatRecord } from "../src/audit/record.js";
import { type CheckResult, createChecker } from "../src/extauthz/check.js";
import { collectHeaders } from "../src/extauthz/headers.js";
import { buildInput } from "../src/extauthz/input.js";
import { inputText } from "../src/extauthz/input-text.js";
import { parseTarget } from "../src/extauthz/path.js";
import { AuthorizationService } from "../src/gen/envoy/service/auth/v3/external_auth.js";
import { WasmPolicyEngine } from "../src/policy/engine.js";
import type { Projection } from "../src/policy/projection.js";
import { regoDirectorySource } from "../src/policy/source.js";
import type { PolicyEngine } from "../src/policy/types.js";
import { Metrics } from "../src/server/metrics.js";
import { checkResponseSerializer } from "../src/server/serialize.js";
import { ensureRuntimeWasm, repoRoot } from "./paths.js";
import { perCall, prepareStages, profileRuntimes } from "./profile-lib.js";

const benchDir = dirname(fileURLToPath(import.meta.url));
const root = repoRoot(benchDir);
const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "3" },
    identities: { type: "string", default: "100" },
  },
});

/** The bench's requests carry no token, so their checks are decided synchronously. */
function decided(r: CheckResult | Promise<CheckResult>): CheckResult {
  if (r instanceof Promise) throw new Error("profile: a bench request was decided asynchronously");
  return r;
}

async function main(): Promise<void> {
  const ms = Number(values.seconds) * 1000;
  ensureRuntimeWasm(root, benchDir);
  const dir = mkdtempSync(join(tmpdir(), "wimse-profile-"));
  try {
    const { workload, config, identity, policy } = await profileRuntimes(
      root,
      dir,
      Number(values.identities),
    );
    const checkerOver = (p: PolicyEngine) =>
      createChecker({
        authenticator: identity,
        policy: p,
        settings: {
          limits: config.request,
          identityOptional: config.identity.optional,
          identityHeaders: config.decision.headers,
          dryRun: false,
          denyStatus: config.decision.denyStatus,
          identityFailureStatus: config.decision.identityFailureStatus,
          skipBodyParse: config.request.skipBodyParse,
        },
      });
    const checker = checkerOver(policy);
    // The engine itself, whose evaluateText lets the checker write only the input paths the
    // policy reads (the policy runtime above may not pass that on).
    const engine = await WasmPolicyEngine.start({
      source: regoDirectorySource(config.policy.dir, [config.policy.entrypoint], {
        maxFileBytes: config.policy.maxFileBytes,
      }),
      entrypoint: config.policy.entrypoint,
    });
    if (!engine.ready) throw new Error("profile: the default policy did not load into the engine");
    const projectedChecker = checkerOver(engine);
    let projection: Projection | undefined;
    engine.evaluateText((p) => {
      projection = p;
      return undefined;
    });
    const requests = workload.requests.map((r) => r.request);
    for (const r of workload.requests) {
      for (const c of [checker, projectedChecker]) {
        const got = decided(c(r.request)).audit;
        if ((got.decision === "allow") !== r.expectAllowed) {
          throw new Error(`profile: wrong answer ${got.decision} (${got.reason_code}) for ${got.path}`);
        }
      }
    }
    const metrics = new Metrics();
    const results = requests.map((r) => decided(checker(r)));
    const prepared = requests.map((request) => prepareStages(request, { config, identity }));
    const inputs = prepared.map((p) =>
      buildInput({ request: p.request, target: p.target, body: { truncated: false }, auth: p.auth }),
    );
    const rows: Array<[string, number]> = [
      ["check (whole, in process)", perCall(requests, ms, (r) => checker(r))],
      ["check (projected input)", perCall(requests, ms, (r) => projectedChecker(r))],
      ["  headers", perCall(prepared, ms / 3, (p) => collectHeaders(p.http, config.request))],
      ["  path/query", perCall(prepared, ms / 3, (p) => parseTarget(p.http.path))],
      [
        "  identity (cache hit)",
        perCall(prepared, ms / 3, (p) =>
          identity.authenticate({
            sourceCertificate: p.request.attributes?.source?.certificate,
            headers: p.headers,
          }),
        ),
      ],
      [
        "  input construction",
        perCall(prepared, ms / 3, (p) =>
          buildInput({ request: p.request, target: p.target, body: { truncated: false }, auth: p.auth }),
        ),
      ],
      [
        "  input (projected)",
        perCall(prepared, ms / 3, (p) =>
          buildInput({
            request: p.request,
            target: p.target,
            body: { truncated: false },
            auth: p.auth,
            projection,
          }),
        ),
      ],
      [
        "  input text (projected)",
        perCall(prepared, ms / 3, (p) =>
          inputText(
            { request: p.request, target: p.target, body: { truncated: false }, auth: p.auth },
            projection,
          ),
        ),
      ],
      ["  policy evaluation", perCall(inputs, ms, (i) => policy.evaluate(i))],
      ["  audit formatting", perCall(results, ms / 3, (r) => formatRecord(r.audit))],
      ["  metrics", perCall(results, ms / 3, (r) => metrics.observeCheck(r.audit))],
    ];
    const generated = AuthorizationService.check.responseSerialize;
    const serializer = checkResponseSerializer();
    const responses = results.map((r) => r.response);
    // Each alone: alternating batches (abCompare) would charge the generated encoder's garbage
    // collections to whichever batch they fall in.
    rows.push(
      ["  response: generated encode", perCall(responses, ms / 3, generated)],
      ["  response: serializer", perCall(responses, ms / 3, serializer)],
    );
    for (const [name, us] of rows) console.log(`${name.padEnd(28)} ${us.toFixed(2).padStart(9)} µs`);
    engine.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
