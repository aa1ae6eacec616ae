/**
 * Interoperability with a signature made by another implementation: the example request of the
 * WIMSE HTTP-signature draft (ietf-wg-wimse/draft-ietf-wimse-s2s-protocol, includes/sigs-request.txt.out,
 * the -00 era: @request-target form, EdDSA cnf key, no wimse-aud yet). Its signature must verify
 * over our signature base; the full profile must then still refuse it for lacking wimse-aud.
 */
import { createPublicKey } from "node:crypto";
import { describe, expect, it } from "vitest";
import { verifySignature } from "../../../../src/identity/tokens/http-sig/algorithms.js";
import { signatureBase } from "../../../../src/identity/tokens/http-sig/base.js";
import { createHttpSigVerifier } from "../../../../src/identity/tokens/http-sig/index.js";
import {
  parseDictionary,
  type SfInnerList,
} from "../../../../src/identity/tokens/http-sig/structured-fields.js";
import type { HttpRequestView, VerifiedWit } from "../../../../src/identity/tokens/types.js";
import { MemoryReplay } from "./helpers.js";

const WIT = [
  "eyJhbGciOiJFZERTQSIsImtpZCI6Imlzc3Vlci1rZXkiLCJ0eXAiOiJ3aXQrand0In0",
  "eyJjbmYiOnsiandrIjp7ImFsZyI6IkVkRFNBIiwiY3J2IjoiRWQyNTUxOSIsImtpZCI6InN2Yy1hLWtleSIsImt0eSI6Ik9LUCIsIngiOiJ6S09Sa0E2aUZCMy1ka0RKRzZrYm5ody01N1ZYT0hhLUlFOVhXVmQtR3RNIn19LCJleHAiOjE3NjE4NjAxMDcsImlhdCI6MTc2MTg1OTgwNywiaXNzIjoiaHR0cHM6Ly9leGFtcGxlLmNvbS9pc3N1ZXIiLCJqdGkiOiJ3aXQtMTc2MTg1OTgwNzM0NTQ3ODAwMCIsInN1YiI6IndpbXNlOi8vZXhhbXBsZS5jb20vc3ZjQSJ9",
  "KxXGBK2YWhy8XT1tB9Z9sZscn2fb4OHDNz2S8mhP8fGK0mCw6yK4lv9wRqO3hnAXWJEzWuWRHpVQO8_82t_IBA",
].join(".");
const SIGNATURE_INPUT =
  'wimse=("@method" "@request-target" "workload-identity-token");created=1761859807;expires=1761860107;nonce="abcd1111";tag="wimse-workload-to-workload"';
const SIGNATURE =
  "wimse=:b1kQ7vFYUShd9QS82ojrPAy2hAgiIqSED20bXXjwH6xsnXHF0rb2J8OeIdbtSupQUsez8IOqQvoYGPaWKu76Cg==:";

const claims = JSON.parse(Buffer.from(WIT.split(".")[1]!, "base64url").toString("utf8"));
const cnfKey = createPublicKey({ key: claims.cnf.jwk, format: "jwk" });

function request(o: Partial<HttpRequestView> = {}): HttpRequestView {
  return {
    method: "GET",
    scheme: "https",
    host: "example.com",
    path: "/gimme-ice-cream?flavor=vanilla",
    headers: { "workload-identity-token": WIT, "signature-input": SIGNATURE_INPUT, signature: SIGNATURE },
    bodyTruncated: false,
    ...o,
  };
}

function parsed() {
  const input = parseDictionary(SIGNATURE_INPUT);
  const sig = parseDictionary(SIGNATURE);
  if (!input.ok || !sig.ok) throw new Error("example does not parse");
  const m = sig.value.get("wimse");
  if (m?.kind !== "item" || m.value.type !== "bytes") throw new Error("no signature bytes");
  return { input: input.value.get("wimse") as SfInnerList, bytes: m.value.value };
}

describe("interop: the WIMSE draft's example signed request", () => {
  it("verifies over our signature base with the WIT's cnf key", () => {
    const { input, bytes } = parsed();
    const base = signatureBase(input, request());
    expect(base.ok).toBe(true);
    if (!base.ok) return;
    expect(base.base.split("\n").map((l) => l.slice(0, l.indexOf(":")))).toEqual([
      '"@method"',
      '"@request-target"',
      '"workload-identity-token"',
      '"@signature-params"',
    ]);
    expect(verifySignature("EdDSA", cnfKey, Buffer.from(base.base), bytes)).toBe(true);
  });

  it("does not verify once the request target changes", () => {
    const { input, bytes } = parsed();
    const base = signatureBase(input, request({ path: "/gimme-ice-cream?flavor=chocolate" }));
    expect(base.ok && verifySignature("EdDSA", cnfKey, Buffer.from(base.base), bytes)).toBe(false);
  });

  it("is refused by the current profile: no wimse-aud", async () => {
    const wit: VerifiedWit = {
      identity: { id: claims.sub, scheme: "wimse", trustDomain: "example.com", path: "/svcA" },
      compact: WIT,
      wth: "",
      header: { alg: "EdDSA", kid: "issuer-key", typ: "wit+jwt" },
      claims: { sub: claims.sub, exp: claims.exp, iat: claims.iat },
      cnf: { alg: "EdDSA", key: cnfKey, thumbprint: "" },
    };
    const verify = createHttpSigVerifier({
      targets: ["https://example.com/gimme-ice-cream"],
      algorithms: ["EdDSA"],
      maxLifetimeSeconds: 300,
      clockSkewSeconds: 60,
      replay: new MemoryReplay(),
    });
    const result = await verify(request(), wit, new Date(1761859807_000));
    expect(result).toMatchObject({ ok: false, code: "httpsig_aud_missing", check: "http-sig.wimse-aud" });
  });
});
