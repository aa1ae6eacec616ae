/**
 * Decision -> CheckResponse and CheckRequest -> input, over a running server and real gRPC.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HeaderValueOption } from "../../src/gen/envoy/config/core/v3/base.js";
import type { EvaluationOutcome } from "../../src/policy/types.js";
import { decision, FakeIdentity, ScriptedPolicy } from "../server/support/doubles.js";
import { envoyRequest, fakeCert, type Harness, startHarness } from "../server/support/harness.js";

const CALLER = "spiffe://demo.example/ns/web/sa/frontend";

function headerMap(list: HeaderValueOption[] | undefined): Array<[string, string, boolean | undefined]> {
  return (list ?? []).map((h) => [h.header?.key ?? "", h.header?.value ?? "", h.append]);
}

describe("ext_authz mapping over gRPC", () => {
  let h: Harness;
  const policy = new ScriptedPolicy(() => ({
    kind: "decision",
    decision: decision({ allowed: true }),
    revision: "rev-1",
  }));
  beforeAll(async () => {
    h = await startHarness(
      { identity: new FakeIdentity(), policy },
      [],
      "identity:\n  optional:\n    - path_prefix: /healthz\n      methods: [GET]\n",
    );
  });
  afterAll(() => h.close());
  const script = (next: (input: Record<string, unknown>) => EvaluationOutcome) => {
    policy.next = next;
  };

  it("allow: status 0, identity headers set (append=false), decision_id in dynamic metadata", async () => {
    script(() => ({ kind: "decision", decision: decision({ allowed: true }), revision: "rev-1" }));
    const res = await h.check(envoyRequest({ certificate: fakeCert(CALLER) }));
    expect(res.status?.code).toBe(0);
    expect(res.deniedResponse).toBeUndefined();
    const headers = headerMap(res.okResponse?.headers);
    expect(headers).toContainEqual(["x-wimse-workload-id", CALLER, false]);
    expect(headers).toContainEqual(["x-wimse-trust-domain", "demo.example", false]);
    expect(headers).toContainEqual(["x-wimse-auth-method", "mtls", false]);
    // No proxy: its header name is removed so a client-sent copy cannot reach the upstream...
    expect(res.okResponse?.headersToRemove).toContain("x-wimse-proxy-id");
    // ...and names we set are never also removed (Envoy removes after it adds).
    expect(res.okResponse?.headersToRemove).not.toContain("x-wimse-workload-id");
    expect(typeof res.dynamicMetadata?.decision_id).toBe("string");
    expect(String(res.dynamicMetadata?.decision_id)).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("client-sent identity headers are overridden even when the policy returns no headers", async () => {
    script(() => ({ kind: "decision", decision: decision({ allowed: true }), revision: "rev-1" }));
    const res = await h.check(
      envoyRequest({
        certificate: fakeCert(CALLER),
        headers: {
          "x-wimse-workload-id": "spiffe://evil.example/admin",
          "x-wimse-proxy-id": "spiffe://evil.example/p",
        },
      }),
    );
    const headers = headerMap(res.okResponse?.headers);
    expect(headers.filter(([k]) => k === "x-wimse-workload-id")).toEqual([
      ["x-wimse-workload-id", CALLER, false],
    ]);
    expect(res.okResponse?.headersToRemove).toContain("x-wimse-proxy-id");
  });

  it("allow: policy headers, response headers, header removal, query mutation, dynamic metadata", async () => {
    script(() => ({
      kind: "decision",
      decision: decision({
        allowed: true,
        headers: { "x-user": ["alice"], "x-multi": ["a", "b"], "x-wimse-workload-id": ["spiffe://forged/x"] },
        responseHeadersToAdd: { "x-resp": ["1"] },
        requestHeadersToRemove: ["authorization", "x-wimse-workload-id"],
        queryParametersToSet: { page: ["2"] },
        queryParametersToRemove: ["token"],
        dynamicMetadata: { tier: "gold" },
      }),
      revision: "rev-1",
    }));
    const res = await h.check(envoyRequest({ certificate: fakeCert(CALLER), path: "/x?token=abc" }));
    const ok = res.okResponse;
    const headers = headerMap(ok?.headers);
    expect(headers).toContainEqual(["x-user", "alice", false]);
    expect(headers).toContainEqual(["x-multi", "a", false]);
    expect(headers).toContainEqual(["x-multi", "b", true]);
    // The policy cannot forge the identity header nor remove the verified one.
    expect(headers.filter(([k]) => k === "x-wimse-workload-id")).toEqual([
      ["x-wimse-workload-id", CALLER, false],
    ]);
    expect(ok?.headersToRemove).toContain("authorization");
    expect(ok?.headersToRemove).not.toContain("x-wimse-workload-id");
    expect(headerMap(ok?.responseHeadersToAdd)).toEqual([["x-resp", "1", false]]);
    expect(ok?.queryParametersToSet).toEqual([{ key: "page", value: "2" }]);
    expect(ok?.queryParametersToRemove).toEqual(["token"]);
    expect(res.dynamicMetadata?.tier).toBe("gold");
    expect(res.dynamicMetadata?.decision_id).toBeTruthy();
  });

  it("deny: status 7 with the policy's http_status, headers and body", async () => {
    script(() => ({
      kind: "decision",
      decision: decision({
        allowed: false,
        httpStatus: 429,
        headers: { "retry-after": ["5"] },
        body: "slow down",
      }),
      revision: "rev-1",
    }));
    const res = await h.check(envoyRequest({ certificate: fakeCert(CALLER) }));
    expect(res.status?.code).toBe(7);
    expect(res.okResponse).toBeUndefined();
    expect(res.deniedResponse?.status?.code).toBe(429);
    expect(res.deniedResponse?.body).toBe("slow down");
    expect(headerMap(res.deniedResponse?.headers)).toContainEqual(["retry-after", "5", false]);
    const last = (await h.auditLines()).at(-1);
    expect(last).toMatchObject({
      decision: "deny",
      http_status: 429,
      reason_code: "policy_denied",
      source_id: CALLER,
    });
  });

  it("deny defaults to 403", async () => {
    script(() => ({ kind: "decision", decision: decision({ allowed: false }), revision: "rev-1" }));
    const res = await h.check(envoyRequest({ certificate: fakeCert(CALLER) }));
    expect(res.deniedResponse?.status?.code).toBe(403);
  });

  it("a policy error denies (fail closed) with its code", async () => {
    script(() => ({
      kind: "error",
      code: "policy_undefined",
      message: "decision undefined",
      revision: "rev-1",
    }));
    const res = await h.check(envoyRequest({ certificate: fakeCert(CALLER) }));
    expect(res.status?.code).toBe(7);
    expect(res.deniedResponse?.status?.code).toBe(403);
    expect(headerMap(res.deniedResponse?.headers)).toContainEqual([
      "x-wimse-authz-reason",
      "policy_undefined",
      false,
    ]);
    expect((await h.auditLines()).at(-1)).toMatchObject({
      decision: "deny",
      reason_code: "policy_undefined",
    });
  });

  it("identity failure denies before the policy runs, with the reason code and an RFC 9457 body", async () => {
    const before = policy.inputs.length;
    script(() => ({ kind: "decision", decision: decision({ allowed: true }), revision: "rev-1" }));
    const res = await h.check(envoyRequest({ path: "/api" }));
    expect(policy.inputs.length).toBe(before);
    expect(res.status?.code).toBe(7);
    expect(res.deniedResponse?.status?.code).toBe(403);
    expect(headerMap(res.deniedResponse?.headers)).toEqual([
      ["content-type", "application/problem+json", false],
      ["x-wimse-authz-reason", "no_certificate", false],
    ]);
    expect(JSON.parse(res.deniedResponse?.body ?? "")).toMatchObject({
      type: "urn:wimse-authz:problem:no_certificate",
      status: 403,
      reason_code: "no_certificate",
      check: "transport",
    });
    expect((await h.auditLines()).at(-1)).toMatchObject({
      decision: "deny",
      reason_code: "no_certificate",
      path: "/api",
    });
  });

  it("identity-optional match: the policy runs without identity and sees identity_error", async () => {
    script((input) => ({
      kind: "decision",
      decision: decision({ allowed: input.identity === undefined && input.identity_error !== undefined }),
      revision: "rev-1",
    }));
    const res = await h.check(
      envoyRequest({ path: "/healthz/ready", headers: { "x-wimse-workload-id": "forged" } }),
    );
    expect(res.status?.code).toBe(0);
    const input = policy.inputs.at(-1) as Record<string, unknown>;
    expect(input.identity_error).toEqual({ code: "no_certificate", message: "no client certificate" });
    // Without identity every identity header name is removed.
    expect(res.okResponse?.headersToRemove).toEqual(
      expect.arrayContaining([
        "x-wimse-workload-id",
        "x-wimse-trust-domain",
        "x-wimse-proxy-id",
        "x-wimse-auth-method",
      ]),
    );
    expect(headerMap(res.okResponse?.headers)).toEqual([]);
  });

  it("identity-optional does not extend to other methods or to dot-segment tricks", async () => {
    script(() => ({ kind: "decision", decision: decision({ allowed: true }), revision: "rev-1" }));
    for (const req of [
      envoyRequest({ path: "/healthz", method: "POST" }),
      envoyRequest({ path: "/healthz/../admin" }),
      envoyRequest({ path: "/healthzadmin" }),
      envoyRequest({ path: "/healthz%2F..%2Fadmin" }),
    ]) {
      const res = await h.check(req);
      expect(res.status?.code, req.attributes?.request?.http?.path).toBe(7);
    }
  });

  it("input: protobuf JSON of the request plus the OPA-Envoy fields and the identity", async () => {
    script(() => ({ kind: "decision", decision: decision({ allowed: true }), revision: "rev-1" }));
    await h.check(
      envoyRequest({
        certificate: fakeCert(CALLER),
        principal: CALLER,
        method: "POST",
        path: "/api/v1/caf%C3%A9/a%2Fb?x=1&x=2&y=hello+world&z",
        headers: {
          "content-type": "application/json",
          "x-envoy-auth-partial-body": "false",
          "x-wimse-workload-id": "spiffe://evil.example/forged",
        },
        body: '{"amount": 42, "tags": ["a"]}',
      }),
    );
    const input = policy.inputs.at(-1) as Record<string, unknown>;
    const attributes = input.attributes as Record<string, Record<string, unknown>>;
    // lowerCamelCase protobuf JSON field names
    expect(attributes.source.principal).toBe(CALLER);
    expect((attributes.request.http as Record<string, unknown>).method).toBe("POST");
    expect(Object.keys(attributes)).toContain("destination");
    expect(input.parsed_path).toEqual(["api", "v1", "café", "a", "b"]);
    expect(input.parsed_query).toEqual({ x: ["1", "2"], y: ["hello world"], z: [""] });
    expect(input.parsed_body).toEqual({ amount: 42, tags: ["a"] });
    expect(input.truncated_body).toBe(false);
    expect(input.version).toEqual({ ext_authz: "v3", encoding: "protojson" });
    expect(input.source_principal).toBe(CALLER);
    expect(input.identity).toMatchObject({
      id: CALLER,
      trustDomain: "demo.example",
      path: "/ns/web/sa/frontend",
      method: "mtls",
    });
  });

  it("input: form bodies, truncated bodies, root path", async () => {
    script(() => ({ kind: "decision", decision: decision({ allowed: true }), revision: "rev-1" }));
    await h.check(
      envoyRequest({
        certificate: fakeCert(CALLER),
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: "a=1&b=x%20y&a=2",
      }),
    );
    let input = policy.inputs.at(-1) as Record<string, unknown>;
    expect(input.parsed_body).toEqual({ a: ["1", "2"], b: ["x y"] });
    expect(input.parsed_path).toEqual([""]);
    await h.check(
      envoyRequest({
        certificate: fakeCert(CALLER),
        method: "POST",
        headers: { "content-type": "application/json", "x-envoy-auth-partial-body": "true" },
        body: '{"cut": ',
      }),
    );
    input = policy.inputs.at(-1) as Record<string, unknown>;
    expect(input.truncated_body).toBe(true);
    expect(input).not.toHaveProperty("parsed_body");
  });
});

describe("dry-run mode over gRPC", () => {
  let h: Harness;
  const policy = new ScriptedPolicy(() => ({
    kind: "decision",
    decision: decision({ allowed: false }),
    revision: "rev-9",
  }));
  beforeAll(async () => {
    h = await startHarness({ identity: new FakeIdentity(), policy }, [["--decision-dry-run", "true"]]);
  });
  afterAll(() => h.close());

  it("decides and audits the denial but allows", async () => {
    const res = await h.check(
      envoyRequest({ certificate: fakeCert(CALLER), headers: { "x-request-id": "req-77" } }),
    );
    expect(res.status?.code).toBe(0);
    expect(headerMap(res.okResponse?.headers)).toContainEqual(["x-wimse-workload-id", CALLER, false]);
    const last = (await h.auditLines()).at(-1);
    expect(last).toMatchObject({
      decision: "dry-run-deny",
      reason_code: "policy_denied",
      request_id: "req-77",
      policy_revision: "rev-9",
    });
  });

  it("identity failures are also allowed in dry-run, and still strip identity headers", async () => {
    const res = await h.check(envoyRequest({ headers: { "x-wimse-workload-id": "forged" } }));
    expect(res.status?.code).toBe(0);
    expect(res.okResponse?.headersToRemove).toContain("x-wimse-workload-id");
    expect((await h.auditLines()).at(-1)).toMatchObject({
      decision: "dry-run-deny",
      reason_code: "no_certificate",
    });
  });
});
