import { beforeAll, describe, expect, it } from "vitest";
import { createHttpSigVerifier, replayKey } from "../../../../src/identity/tokens/http-sig/index.js";
import { sf } from "../../../../src/identity/tokens/http-sig/structured-fields.js";
import type {
  HttpRequestView,
  ProofFacts,
  ReplayCache,
  VerifiedWit,
} from "../../../../src/identity/tokens/types.js";
import {
  type Alg,
  type Caller,
  MemoryReplay,
  makeCaller,
  type SignOverrides,
  sign,
  TARGET,
  view,
  withCnf,
} from "./helpers.js";

const ALGS: Alg[] = ["ES256", "ES384", "EdDSA", "Ed25519", "PS256", "RS256"];
const OPTIONS = {
  targets: [TARGET, "https://svc-c.internal/orders"],
  algorithms: ALGS,
  maxLifetimeSeconds: 300,
  clockSkewSeconds: 60,
};
const BODY = new TextEncoder().encode('{"hello": "world"}');

function verifier(replay: ReplayCache = new MemoryReplay(), o: Partial<typeof OPTIONS> = {}) {
  return createHttpSigVerifier({ ...OPTIONS, ...o, replay });
}

const callers = {} as Record<Alg, Caller>;
let other: Caller;
beforeAll(async () => {
  for (const alg of ALGS) callers[alg] = await makeCaller(alg);
  other = await makeCaller("ES256", "spiffe://prod.example/ns/a/sa/other");
});

function post(caller: Caller, o: SignOverrides = {}) {
  return sign(caller, { method: "POST", body: BODY, headers: { "content-type": "application/json" }, ...o });
}

describe("http-sig: acceptance", () => {
  const cases: { name: string; alg: Alg; body: boolean; o?: SignOverrides }[] = [];
  for (const alg of ALGS) {
    cases.push({ name: `${alg}, no body`, alg, body: false });
    cases.push({ name: `${alg}, JSON body`, alg, body: true });
  }
  cases.push({
    name: "ES256, @request-target form",
    alg: "ES256",
    body: false,
    o: { targetForm: "request-target" },
  });
  cases.push({
    name: "ES256, body, sha-512 digest",
    alg: "ES256",
    body: true,
    o: { digestAlgorithms: ["sha-512"] },
  });
  cases.push({
    name: "ES256, body, sha-256 and sha-512 digests",
    alg: "ES256",
    body: true,
    o: { digestAlgorithms: ["sha-256", "sha-512"] },
  });
  cases.push({
    name: "EdDSA, second configured target",
    alg: "EdDSA",
    body: false,
    o: { audience: OPTIONS.targets[1] },
  });
  cases.push({
    name: "ES256, wimse-sign-response",
    alg: "ES256",
    body: false,
    o: { requireSignedResponse: true },
  });
  cases.push({
    name: "ES256, Authorization covered",
    alg: "ES256",
    body: false,
    o: { headers: { authorization: "Bearer abc" } },
  });

  it.each(cases)("$name", async ({ alg, body, o }) => {
    const caller = callers[alg];
    const signed = body ? post(caller, o) : sign(caller, o);
    const request = view(signed, body ? { method: "POST", body: BODY } : {});
    const result = await verifier()(request, caller.wit, new Date());
    expect(result).toEqual({
      ok: true,
      facts: {
        kind: "http-sig",
        label: "wimse",
        created: signed.created,
        expires: signed.expires,
        nonce: signed.nonce,
        aud: o?.audience ?? TARGET,
        covered: signed.covered,
        digestChecked: body,
      } satisfies ProofFacts,
    });
    expect(signed.covered).toContain("workload-identity-token");
    if (body) expect(signed.covered).toContain("content-digest");
  });

  it("picks the tagged signature among others, whatever its label", async () => {
    const caller = callers.ES256;
    const proxy = sign(other, { label: "sig1", extraParams: [["tag", sf.string("proxy")]] });
    const mine = sign(caller, { label: "zz" });
    const headers = {
      ...mine.headers,
      "signature-input": `${proxy.headers["signature-input"]}, ${mine.headers["signature-input"]}`,
      signature: `${proxy.headers.signature}, ${mine.headers.signature}`,
    };
    const result = await verifier()(view(mine, { headers }), caller.wit, new Date());
    expect(result.ok && result.facts.kind === "http-sig" && result.facts.label).toBe("zz");
  });

  it("re-serializes Signature-Input (extra spaces do not matter)", async () => {
    const caller = callers.ES256;
    const signed = sign(caller);
    const spaced = signed.headers["signature-input"]!.replace('("@method" ', '(  "@method"   ').replace(
      /;/g,
      ";  ",
    );
    expect(spaced).not.toBe(signed.headers["signature-input"]);
    const result = await verifier()(
      view(signed, { headers: { ...signed.headers, "signature-input": `  ${spaced}  ` } }),
      caller.wit,
      new Date(),
    );
    expect(result.ok).toBe(true);
  });

  it("accepts created within the clock skew", async () => {
    const caller = callers.ES256;
    const now = new Date();
    const signed = sign(caller, { now: new Date(now.getTime() + 45_000) });
    expect((await verifier()(view(signed), caller.wit, now)).ok).toBe(true);
  });

  it("@authority may be covered, and then pins Host", async () => {
    const caller = callers.ES256;
    const signed = sign(caller, { extraFields: ["@authority"] });
    expect((await verifier()(view(signed), caller.wit, new Date())).ok).toBe(true);
    const moved = await verifier()(view(signed, { host: "other.example" }), caller.wit, new Date());
    expect(moved).toMatchObject({ ok: false, code: "httpsig_bad_signature" });
  });
});

interface RejectCase {
  name: string;
  code: string;
  check: string;
  /** Builds the request, the WIT and optionally the verifier and clock. */
  make: () => {
    request: HttpRequestView;
    wit?: VerifiedWit;
    now?: Date;
    replay?: ReplayCache;
    opts?: Partial<typeof OPTIONS>;
  };
  status?: number;
}

const HOUR = 3600_000;

function reheader(signed: ReturnType<typeof sign>, headers: Record<string, string | undefined>, o = {}) {
  const h: Record<string, string> = { ...signed.headers };
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined) delete h[k];
    else h[k] = v;
  }
  return view(signed, { ...o, headers: h });
}

const es = () => callers.ES256;

const REJECTIONS: RejectCase[] = [
  // fields and selection
  {
    name: "no Signature-Input",
    code: "missing_header",
    check: "header",
    make: () => ({ request: reheader(sign(es()), { "signature-input": undefined }) }),
  },
  {
    name: "no Signature",
    code: "missing_header",
    check: "header",
    make: () => ({ request: reheader(sign(es()), { signature: undefined }) }),
  },
  {
    name: "wrong tag",
    code: "no_wimse_signature",
    check: "tag",
    make: () => ({ request: view(sign(es(), { extraParams: [["tag", sf.string("wimse-other")]] })) }),
  },
  {
    name: "no tag",
    code: "no_wimse_signature",
    check: "tag",
    make: () => ({ request: view(sign(es(), { omitParams: ["tag"] })) }),
  },
  {
    name: "two tagged signatures",
    code: "multiple_wimse_signatures",
    check: "tag",
    make: () => {
      const a = sign(es(), { label: "a" });
      const b = sign(es(), { label: "b" });
      return {
        request: reheader(a, {
          "signature-input": `${a.headers["signature-input"]}, ${b.headers["signature-input"]}`,
          signature: `${a.headers.signature}, ${b.headers.signature}`,
        }),
      };
    },
  },
  {
    name: "label only in Signature-Input",
    code: "label_mismatch",
    check: "signature",
    make: () => {
      const s = sign(es());
      return { request: reheader(s, { signature: s.headers.signature!.replace(/^wimse=/, "other=") }) };
    },
  },
  {
    name: "same label twice",
    code: "malformed_signature_input",
    check: "signature-input",
    make: () => {
      const s = sign(es());
      return {
        request: reheader(s, {
          "signature-input": `${s.headers["signature-input"]}, ${s.headers["signature-input"]}`,
        }),
      };
    },
  },
  // covered components
  {
    name: "@method not covered",
    code: "component_missing",
    check: "components",
    make: () => ({
      request: view(sign(es(), { components: ["@path", "@query", "workload-identity-token"] })),
    }),
  },
  {
    name: "@path/@query not covered",
    code: "component_missing",
    check: "components",
    make: () => ({ request: view(sign(es(), { components: ["@method", "workload-identity-token"] })) }),
  },
  {
    name: "@path without @query",
    code: "component_missing",
    check: "components",
    make: () => ({
      request: view(sign(es(), { components: ["@method", "@path", "workload-identity-token"] })),
    }),
  },
  {
    name: "WIT header not covered",
    code: "component_missing",
    check: "components",
    make: () => ({ request: view(sign(es(), { components: ["@method", "@path", "@query"] })) }),
  },
  {
    name: "Content-Type present, not covered",
    code: "component_missing",
    check: "components",
    make: () => ({
      request: view(
        sign(es(), {
          headers: { "content-type": "text/plain" },
          components: ["@method", "@path", "@query", "workload-identity-token"],
        }),
      ),
    }),
  },
  {
    name: "Authorization present, not covered",
    code: "component_missing",
    check: "components",
    make: () => ({
      request: reheader(sign(es()), { authorization: "Bearer smuggled" }),
    }),
  },
  {
    name: "Txn-Token present, not covered",
    code: "component_missing",
    check: "components",
    make: () => ({ request: reheader(sign(es()), { "txn-token": "eyJ.x.y" }) }),
  },
  {
    name: "component covered twice",
    code: "component_duplicate",
    check: "components",
    make: () => ({
      request: view(
        sign(es(), { components: ["@method", "@method", "@path", "@query", "workload-identity-token"] }),
      ),
    }),
  },
  {
    name: "unsupported derived component",
    code: "component_unsupported",
    check: "components",
    make: () => {
      const s = sign(es());
      return {
        request: reheader(s, {
          "signature-input": s.headers["signature-input"]!.replace('("@method"', '("@method" "@target-uri"'),
        }),
      };
    },
  },
  {
    name: "component with parameters",
    code: "component_unsupported",
    check: "components",
    make: () => {
      const s = sign(es());
      return {
        request: reheader(s, {
          "signature-input": s.headers["signature-input"]!.replace('"@method"', '"@method";req'),
        }),
      };
    },
  },
  {
    name: "@signature-params covered",
    code: "malformed_signature_input",
    check: "components",
    make: () => {
      const s = sign(es());
      return {
        request: reheader(s, {
          "signature-input": s.headers["signature-input"]!.replace(
            '("@method"',
            '("@signature-params" "@method"',
          ),
        }),
      };
    },
  },
  {
    name: "covered field absent from the request",
    code: "component_missing",
    check: "components",
    make: () => {
      const s = sign(es(), { headers: { "x-tenant": "t1" }, extraFields: ["x-tenant"] });
      return { request: reheader(s, { "x-tenant": undefined }) };
    },
  },
  {
    name: "upper-case field name",
    code: "component_unsupported",
    check: "components",
    make: () => {
      const s = sign(es());
      return {
        request: reheader(s, {
          "signature-input": s.headers["signature-input"]!.replace(
            '"workload-identity-token"',
            '"workload-identity-token" "Accept"',
          ),
        }),
      };
    },
  },
  {
    name: "request target not in origin form",
    code: "component_unsupported",
    check: "components",
    make: () => ({ request: { ...view(sign(es())), path: "https://svc-c.example/orders?id=7" } }),
  },
  // parameters
  {
    name: "alg naming another algorithm",
    code: "alg_mismatch",
    check: "alg",
    make: () => ({ request: view(sign(es(), { extraParams: [["alg", sf.string("ed25519")]] })) }),
  },
  {
    name: "alg present, even when equivalent (profile forbids it)",
    code: "alg_present",
    check: "alg",
    make: () => ({ request: view(sign(es(), { extraParams: [["alg", sf.string("ecdsa-p256-sha256")]] })) }),
  },
  {
    name: "keyid present",
    code: "keyid_present",
    check: "keyid",
    make: () => ({ request: view(sign(es(), { extraParams: [["keyid", sf.string("k1")]] })) }),
  },
  {
    name: "cnf algorithm not in the allowlist",
    code: "alg_not_allowed",
    check: "alg",
    make: () => ({ request: view(sign(es())), opts: { algorithms: ["EdDSA"] } }),
  },
  {
    name: "cnf alg that does not suit the key (ES384 claimed, P-256 key)",
    code: "key_unsuitable",
    check: "alg",
    make: () => ({ request: view(sign(es())), wit: withCnf(es().wit, { alg: "ES384" }) }),
  },
  {
    name: "cnf alg EdDSA with an RSA key",
    code: "key_unsuitable",
    check: "alg",
    make: () => ({
      request: view(sign(es())),
      wit: withCnf(es().wit, { alg: "EdDSA", key: callers.RS256.wit.cnf.key }),
    }),
  },
  {
    name: "created not an integer",
    code: "param_invalid",
    check: "created",
    make: () => ({ request: view(sign(es(), { extraParams: [["created", sf.string("1700000000")]] })) }),
  },
  {
    name: "nonce not a string",
    code: "param_invalid",
    check: "nonce",
    make: () => ({ request: view(sign(es(), { extraParams: [["nonce", sf.integer(123456789)]] })) }),
  },
  {
    name: "wimse-aud a token, not a string",
    code: "param_invalid",
    check: "wimse-aud",
    make: () => ({
      request: view(sign(es(), { extraParams: [["wimse-aud", sf.token("https://svc-c.example/orders")]] })),
    }),
  },
  // time
  {
    name: "created missing",
    code: "created_missing",
    check: "created",
    make: () => ({ request: view(sign(es(), { omitParams: ["created"] })) }),
  },
  {
    name: "expires missing",
    code: "expires_missing",
    check: "expires",
    make: () => ({ request: view(sign(es(), { omitParams: ["expires"] })) }),
  },
  {
    name: "expires before created",
    code: "expires_invalid",
    check: "expires",
    make: () => ({ request: view(sign(es(), { lifetimeSeconds: -10 })) }),
  },
  {
    name: "expired",
    code: "expired",
    check: "expires",
    make: () => ({ request: view(sign(es(), { now: new Date(Date.now() - 600_000) })) }),
  },
  {
    name: "expired beyond the skew by one second",
    code: "expired",
    check: "expires",
    make: () => {
      const s = sign(es(), { now: new Date(1_700_000_000_000), lifetimeSeconds: 60 });
      return { request: view(s), now: new Date((1_700_000_000 + 60 + 60 + 1) * 1000) };
    },
  },
  {
    name: "far-future expires",
    code: "lifetime_too_long",
    check: "expires",
    make: () => ({ request: view(sign(es(), { lifetimeSeconds: 24 * 3600 })) }),
  },
  {
    name: "created in the future",
    code: "created_in_future",
    check: "created",
    make: () => ({ request: view(sign(es(), { now: new Date(Date.now() + HOUR) })) }),
  },
  // nonce and audience
  {
    name: "nonce missing",
    code: "nonce_missing",
    check: "nonce",
    make: () => ({ request: view(sign(es(), { omitParams: ["nonce"] })) }),
  },
  {
    name: "nonce too short",
    code: "nonce_invalid",
    check: "nonce",
    make: () => ({ request: view(sign(es(), { nonce: "abc" })) }),
  },
  {
    name: "wimse-aud missing",
    code: "aud_missing",
    check: "wimse-aud",
    make: () => ({ request: view(sign(es(), { omitParams: ["wimse-aud"] })) }),
  },
  {
    name: "wrong wimse-aud",
    code: "aud_mismatch",
    check: "wimse-aud",
    make: () => ({ request: view(sign(es(), { audience: "https://svc-d.example/orders" })) }),
  },
  {
    name: "wimse-aud equal only to Host",
    code: "aud_mismatch",
    check: "wimse-aud",
    make: () => ({ request: view(sign(es(), { audience: "svc-c.example" })) }),
  },
  {
    name: "wimse-aud equal to the URI rebuilt from Host and path (attacker's host)",
    code: "aud_mismatch",
    check: "wimse-aud",
    make: () => {
      const url = "https://evil.example/orders?id=7";
      return { request: view(sign(es(), { url, audience: "https://evil.example/orders" }), { url }) };
    },
  },
  {
    name: "wimse-aud with a query (not the configured target)",
    code: "aud_mismatch",
    check: "wimse-aud",
    make: () => ({ request: view(sign(es(), { audience: `${TARGET}?id=7` })) }),
  },
  // the signature
  {
    name: "tampered signature",
    code: "bad_signature",
    check: "signature",
    make: () => {
      const s = sign(es());
      const sig = Buffer.from(s.headers.signature!.slice("wimse=:".length, -1), "base64");
      sig[10] = sig[10]! ^ 0x01;
      return { request: reheader(s, { signature: `wimse=:${sig.toString("base64")}:` }) };
    },
  },
  {
    name: "signature of the wrong length",
    code: "bad_signature",
    check: "signature",
    make: () => ({ request: reheader(sign(es()), { signature: "wimse=:AAAA:" }) }),
  },
  {
    name: "tampered method",
    code: "bad_signature",
    check: "signature",
    make: () => ({ request: view(sign(es()), { method: "DELETE" }) }),
  },
  {
    name: "tampered path",
    code: "bad_signature",
    check: "signature",
    make: () => ({ request: view(sign(es()), { url: "https://svc-c.example/admin?id=7" }) }),
  },
  {
    name: "tampered query",
    code: "bad_signature",
    check: "signature",
    make: () => ({ request: view(sign(es()), { url: `${TARGET}?id=8` }) }),
  },
  {
    name: "query removed",
    code: "bad_signature",
    check: "signature",
    make: () => ({ request: view(sign(es()), { url: TARGET }) }),
  },
  {
    name: "tampered request-target",
    code: "bad_signature",
    check: "signature",
    make: () => ({ request: view(sign(es(), { targetForm: "request-target" }), { url: `${TARGET}?id=8` }) }),
  },
  {
    name: "tampered covered header",
    code: "bad_signature",
    check: "signature",
    make: () => ({
      request: reheader(sign(es(), { headers: { authorization: "Bearer a" } }), {
        authorization: "Bearer b",
      }),
    }),
  },
  {
    name: "tampered signature parameters (nonce rewritten)",
    code: "bad_signature",
    check: "signature",
    make: () => {
      const s = sign(es());
      return {
        request: reheader(s, {
          "signature-input": s.headers["signature-input"]!.replace(
            s.nonce,
            `${s.nonce.startsWith("x") ? "y" : "x"}${s.nonce.slice(1)}`,
          ),
        }),
      };
    },
  },
  {
    name: "WIT header swapped for another verified WIT (other key)",
    code: "bad_signature",
    check: "signature",
    make: () => ({
      request: reheader(sign(es()), { "workload-identity-token": other.wit.compact }),
      wit: other.wit,
    }),
  },
  {
    name: "WIT header is not the WIT the stage verified",
    code: "wit_mismatch",
    check: "components",
    make: () => ({ request: reheader(sign(es()), { "workload-identity-token": other.wit.compact }) }),
  },
  {
    name: "signed by another key than the WIT's cnf",
    code: "bad_signature",
    check: "signature",
    make: () => ({ request: view(sign({ ...other, wit: es().wit })) }),
  },
  // content
  {
    name: "digest mismatch (body tampered)",
    code: "digest_mismatch",
    check: "content-digest",
    make: () => {
      const evil = new TextEncoder().encode('{"hello": "WORLD"}');
      return { request: view(post(es()), { method: "POST", body: evil }) };
    },
  },
  {
    name: "digest mismatch (sha-512 wrong, sha-256 right)",
    code: "digest_mismatch",
    check: "content-digest",
    make: () => {
      const s = post(es(), {
        headers: {
          "content-type": "application/json",
          "content-digest": `sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:, sha-512=:${Buffer.alloc(64).toString("base64")}:`,
        },
        body: undefined,
      });
      return {
        request: view(s, { method: "POST", body: BODY, headers: { ...s.headers, "content-length": "18" } }),
      };
    },
  },
  {
    name: "body present, Content-Digest not covered",
    code: "digest_not_covered",
    check: "content-digest",
    make: () => ({
      request: view(
        post(es(), { components: ["@method", "@path", "@query", "content-type", "workload-identity-token"] }),
        {
          method: "POST",
          body: BODY,
        },
      ),
    }),
  },
  {
    name: "body present, no Content-Digest",
    code: "digest_missing",
    check: "content-digest",
    make: () => {
      const s = sign(es(), { method: "POST" });
      return {
        request: view(s, { method: "POST", body: BODY, headers: { ...s.headers, "content-length": "18" } }),
      };
    },
  },
  {
    name: "body forwarded without Content-Length, no Content-Digest",
    code: "digest_missing",
    check: "content-digest",
    make: () => ({ request: view(sign(es(), { method: "POST" }), { method: "POST", body: BODY }) }),
  },
  {
    name: "truncated body (Envoy partial body)",
    code: "body_truncated",
    check: "content-digest",
    make: () => ({
      request: view(post(es()), { method: "POST", body: BODY.slice(0, 8), bodyTruncated: true }),
    }),
  },
  {
    name: "body shorter than Content-Length",
    code: "body_truncated",
    check: "content-digest",
    make: () => ({ request: view(post(es()), { method: "POST", body: BODY.slice(0, 8) }) }),
  },
  {
    name: "body announced but not forwarded",
    code: "body_unavailable",
    check: "content-digest",
    make: () => ({ request: view(post(es()), { method: "POST", body: undefined }) }),
  },
  {
    name: "Content-Length not a number",
    code: "content_length_invalid",
    check: "content-digest",
    make: () => {
      const s = post(es());
      return {
        request: view(s, { method: "POST", body: BODY, headers: { ...s.headers, "content-length": "18x" } }),
      };
    },
  },
  {
    name: "only an unknown/deprecated digest algorithm",
    code: "digest_unsupported",
    check: "content-digest",
    make: () => {
      const md5 = "md5=:SVJ4OZnA2vn3ESk6YhqG0Q==:";
      const s = sign(es(), { method: "POST", headers: { "content-digest": md5 } });
      return {
        request: view(s, { method: "POST", body: BODY, headers: { ...s.headers, "content-length": "18" } }),
      };
    },
  },
  {
    name: "malformed Content-Digest",
    code: "digest_malformed",
    check: "content-digest",
    make: () => {
      const s = sign(es(), { method: "POST", headers: { "content-digest": "sha-256=abc" } });
      return {
        request: view(s, { method: "POST", body: BODY, headers: { ...s.headers, "content-length": "18" } }),
      };
    },
  },
  // structure
  {
    name: "Signature member not a byte sequence",
    code: "malformed_signature",
    check: "signature",
    make: () => ({ request: reheader(sign(es()), { signature: 'wimse="abc"' }) }),
  },
  {
    name: "Signature-Input member not an inner list",
    code: "malformed_signature_input",
    check: "signature-input",
    make: () => ({ request: reheader(sign(es()), { "signature-input": 'wimse="@method"' }) }),
  },
  {
    name: "replay store failure fails closed",
    code: "replay_unavailable",
    check: "nonce",
    status: 503,
    make: () => ({
      request: view(sign(es())),
      replay: {
        remember: async () => {
          throw new Error("store down");
        },
      },
    }),
  },
];

describe("http-sig: rejections", () => {
  it.each(REJECTIONS)("$name -> httpsig_$code", async (c) => {
    const { request, wit, now, replay, opts } = c.make();
    const result = await verifier(replay, opts)(request, wit ?? es().wit, now ?? new Date());
    expect(result).toMatchObject({
      ok: false,
      code: `httpsig_${c.code}`,
      check: `http-sig.${c.check}`,
      status: c.status ?? 400,
    });
    if (!result.ok) {
      expect(result.message).not.toContain(es().wit.compact);
      expect(result.message).not.toContain(request.headers.signature ?? "\u0000");
    }
  });

  it("replayed nonce: the same signed request twice", async () => {
    const replay = new MemoryReplay();
    const v = verifier(replay);
    const signed = sign(es());
    expect((await v(view(signed), es().wit, new Date())).ok).toBe(true);
    expect(await v(view(signed), es().wit, new Date())).toMatchObject({
      ok: false,
      code: "httpsig_replayed_nonce",
      check: "http-sig.nonce",
    });
    expect([...replay.seen.keys()]).toEqual([replayKey(signed.nonce)]);
    expect(replayKey(signed.nonce)).toMatch(/^http-sig:nonce:[A-Za-z0-9_-]{43}$/);
  });

  it("replayed nonce: a fresh signature reusing a nonce, even from another caller", async () => {
    const replay = new MemoryReplay();
    const v = verifier(replay);
    const nonce = "fixed-nonce-0123456789";
    expect((await v(view(sign(es(), { nonce })), es().wit, new Date())).ok).toBe(true);
    const again = await v(view(sign(other, { nonce })), other.wit, new Date());
    expect(again).toMatchObject({ ok: false, code: "httpsig_replayed_nonce" });
  });

  it("an invalid signature never records its nonce", async () => {
    const replay = new MemoryReplay();
    const signed = sign(es());
    const tampered = await verifier(replay)(view(signed, { method: "PUT" }), es().wit, new Date());
    expect(tampered).toMatchObject({ ok: false, code: "httpsig_bad_signature" });
    expect(replay.seen.size).toBe(0);
    expect((await verifier(replay)(view(signed), es().wit, new Date())).ok).toBe(true);
  });

  it("the nonce is remembered until expires plus the skew", async () => {
    const replay = new MemoryReplay();
    const signed = sign(es());
    await verifier(replay)(view(signed), es().wit, new Date());
    expect(replay.seen.get(replayKey(signed.nonce))).toBe(signed.expires + OPTIONS.clockSkewSeconds);
  });
});

describe("http-sig: configuration", () => {
  it("refuses an empty target list and a non-positive lifetime", () => {
    expect(() => createHttpSigVerifier({ ...OPTIONS, targets: [], replay: new MemoryReplay() })).toThrow(
      /target/,
    );
    expect(() =>
      createHttpSigVerifier({ ...OPTIONS, maxLifetimeSeconds: 0, replay: new MemoryReplay() }),
    ).toThrow(/maxLifetimeSeconds/);
  });
});
