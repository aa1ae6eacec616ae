/**
 * WIT key sets: parsing (JWKS and SPIFFE bundle JSON, every rejection), and sources — a watched
 * file and an HTTPS endpoint — that refresh, keep the last good key set and refuse rollbacks.
 */
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createTokenAuthenticator,
  fileWitKeys,
  httpsWitKeys,
  parseWitKeys,
  type WitKeyError,
  type WitKeySet,
  type WitKeySource,
} from "../../../src/identity/tokens/index.js";
import { exportPrivateKeyPem, issueCertificate } from "../../../src/pki/issue.js";
import { formatWitJwks, formatWitSpiffeBundle, newKeyPair, publicJwk } from "../../../src/pki/tokens.js";
import { codeOf, NOW, request, SUB, TARGET, wit, wpt } from "./helpers.js";

const es = newKeyPair("ES256", "es");
const ed = newKeyPair("EdDSA", "ed");

describe("parseWitKeys", () => {
  it("reads JWKS keys with use absent or sig, ignoring enc keys", () => {
    const text = JSON.stringify({
      keys: [
        { ...es.publicJwk },
        { ...ed.publicJwk, use: "sig" },
        { ...newKeyPair("ES256", "enc").publicJwk, use: "enc" },
      ],
    });
    const r = parseWitKeys(text, "jwks");
    expect(r.ok && [...r.content.keys.keys()]).toEqual(["es", "ed"]);
  });

  it("reads SPIFFE jwt-svid and wit entries, ignoring x509-svid and unknown uses", () => {
    const text = JSON.stringify({
      keys: [
        { use: "jwt-svid", ...es.publicJwk },
        { use: "wit", ...ed.publicJwk },
        { use: "x509-svid", kty: "EC", x5c: ["AAAA"] },
        { use: "future", kty: "whatever" },
        { ...newKeyPair("ES256", "no-use").publicJwk },
      ],
      spiffe_sequence: 7,
      spiffe_refresh_hint: 60,
    });
    const r = parseWitKeys(text, "spiffe");
    expect(r.ok && [...r.content.keys.keys()]).toEqual(["es", "ed"]);
    expect(r.ok && r.content.sequence).toBe(7);
    expect(r.ok && r.content.refreshHint).toBe(60);
  });

  const small = publicJwk(generateKeyPairSync("rsa", { modulusLength: 1024 }).publicKey, "RS256", "small");
  const priv = { ...(es.privateKey.export({ format: "jwk" }) as Record<string, string>), kid: "p" };
  const cases: [string, string, "jwks" | "spiffe", string][] = [
    ["not JSON", "{", "jwks", "witkeys_invalid_json"],
    ["not an object", "[]", "jwks", "witkeys_not_a_key_set"],
    ["no keys array", "{}", "jwks", "witkeys_not_a_key_set"],
    ["an entry that is not an object", '{"keys":[1]}', "jwks", "witkeys_bad_entry"],
    [
      "a key without kid",
      JSON.stringify({ keys: [{ ...es.publicJwk, kid: undefined }] }),
      "jwks",
      "witkeys_bad_entry",
    ],
    ["a private key", JSON.stringify({ keys: [priv] }), "jwks", "witkeys_private_key"],
    [
      "a symmetric key",
      JSON.stringify({ keys: [{ kty: "oct", k: "c2VjcmV0", kid: "s" }] }),
      "jwks",
      "witkeys_private_key",
    ],
    ["an RSA key below 2048 bits", JSON.stringify({ keys: [small] }), "jwks", "witkeys_bad_entry"],
    [
      "an unsupported curve",
      JSON.stringify({ keys: [{ ...es.publicJwk, crv: "P-521" }] }),
      "jwks",
      "witkeys_bad_entry",
    ],
    [
      "a point not on the curve",
      JSON.stringify({ keys: [{ ...es.publicJwk, x: ed.publicJwk.x }] }),
      "jwks",
      "witkeys_bad_entry",
    ],
    ["alg none", JSON.stringify({ keys: [{ ...es.publicJwk, alg: "none" }] }), "jwks", "witkeys_bad_entry"],
    ["alg HS256", JSON.stringify({ keys: [{ ...es.publicJwk, alg: "HS256" }] }), "jwks", "witkeys_bad_entry"],
    [
      "alg that does not fit the key",
      JSON.stringify({ keys: [{ ...es.publicJwk, alg: "EdDSA" }] }),
      "jwks",
      "witkeys_bad_entry",
    ],
    [
      "a duplicate kid",
      JSON.stringify({ keys: [es.publicJwk, { ...ed.publicJwk, kid: "es" }] }),
      "jwks",
      "witkeys_duplicate_kid",
    ],
    [
      "a bad spiffe_sequence",
      JSON.stringify({ keys: [], spiffe_sequence: -1 }),
      "spiffe",
      "witkeys_bad_sequence",
    ],
    [
      "a bad spiffe_refresh_hint",
      JSON.stringify({ keys: [], spiffe_refresh_hint: "5" }),
      "spiffe",
      "witkeys_bad_refresh_hint",
    ],
  ];
  it.each(cases)("rejects %s", (_name, text, format, code) => {
    const r = parseWitKeys(text, format);
    expect(r.ok ? "ok" : r.code).toBe(code);
  });

  it("writes what it reads (formatWitJwks, formatWitSpiffeBundle)", () => {
    const a = parseWitKeys(formatWitJwks([es, ed]), "jwks");
    const b = parseWitKeys(formatWitSpiffeBundle([es, ed], { sequence: 2 }), "spiffe");
    expect(a.ok && [...a.content.keys.keys()]).toEqual(["es", "ed"]);
    expect(b.ok && [...b.content.keys.keys()]).toEqual(["es", "ed"]);
  });
});

/** Resolves with the next change (or rejects after `ms`). */
function nextChange(src: WitKeySource, ms = 5000): Promise<WitKeySet> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error("no change")), ms);
    const off = src.onChange((s) => {
      clearTimeout(t);
      off();
      resolve(s);
    });
  });
}

function nextError(src: WitKeySource, ms = 5000): Promise<WitKeyError> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error("no error")), ms);
    const off = src.onError((e) => {
      clearTimeout(t);
      off();
      resolve(e);
    });
  });
}

describe("fileWitKeys", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "witkeys-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Atomic replacement, as a Kubernetes or config-management writer does. */
  const write = (path: string, text: string) => {
    writeFileSync(`${path}.tmp`, text);
    renameSync(`${path}.tmp`, path);
  };

  it("reloads on change, keeps the last good set on a bad update, refuses a sequence rollback", async () => {
    const path = join(dir, "bundle.json");
    write(path, formatWitSpiffeBundle([es], { sequence: 1 }));
    const src = fileWitKeys(path, "spiffe", { debounceMs: 10, pollMs: 0 });
    try {
      const first = await src.ready();
      expect([...first.keys.keys()]).toEqual(["es"]);

      let changed = nextChange(src);
      write(path, formatWitSpiffeBundle([es, ed], { sequence: 2 }));
      expect([...(await changed).keys.keys()]).toEqual(["es", "ed"]);

      let failed = nextError(src);
      write(path, "{ not json");
      expect((await failed).code).toBe("witkeys_invalid_json");
      expect([...(src.current()?.keys.keys() ?? [])]).toEqual(["es", "ed"]);

      failed = nextError(src);
      write(path, formatWitSpiffeBundle([ed], { sequence: 1 }));
      expect((await failed).code).toBe("witkeys_sequence_rollback");
      expect([...(src.current()?.keys.keys() ?? [])]).toEqual(["es", "ed"]);

      changed = nextChange(src);
      write(path, formatWitSpiffeBundle([ed], { sequence: 3 }));
      expect([...(await changed).keys.keys()]).toEqual(["ed"]);
    } finally {
      src.close();
    }
  });

  it("a missing file rejects ready() and recovers when the file appears", async () => {
    const path = join(dir, "late.jwks");
    const src = fileWitKeys(path, "jwks", { debounceMs: 10, pollMs: 0 });
    try {
      await expect(src.ready()).rejects.toMatchObject({ code: "witkeys_read_failed" });
      const changed = nextChange(src);
      write(path, formatWitJwks([es]));
      await changed;
      expect([...(await src.ready()).keys.keys()]).toEqual(["es"]);
    } finally {
      src.close();
    }
  });

  it("a configured key file that never loads: ready() rejects and WITs of that domain are refused", async () => {
    const auth = createTokenAuthenticator({
      targets: [TARGET],
      trustDomains: {
        "demo.example": { keys: [{ format: "jwks", file: join(dir, "missing.jwks"), watch: false }] },
      },
    });
    try {
      await expect(auth.ready()).rejects.toMatchObject({ code: "witkeys_read_failed" });
      const f = { issuer: es, otherIssuer: es, proof: ed };
      const w = await wit(f);
      const r = await auth.authenticate(
        request({ "workload-identity-token": w, "workload-proof-token": await wpt(f, w) }),
        NOW,
      );
      expect(codeOf(r)).toBe("wit_keys_unavailable");
    } finally {
      auth.close();
    }
  });

  it("key rotation through a configured file: the new key verifies, the removed one no longer does", async () => {
    const issuerA = newKeyPair("ES256", "a");
    const issuerB = newKeyPair("ES256", "b");
    const proof = newKeyPair("ES256");
    const path = join(dir, "rotate.jwks");
    write(path, formatWitJwks([issuerA]));
    const auth = createTokenAuthenticator({
      targets: [TARGET],
      trustDomains: { "demo.example": { keys: [{ format: "jwks", file: path }] } },
    });
    const f = (issuer: typeof issuerA) => ({ issuer, otherIssuer: issuer, proof });
    const check = async (issuer: typeof issuerA) => {
      const w = await wit(f(issuer));
      return codeOf(
        await auth.authenticate(
          request({ "workload-identity-token": w, "workload-proof-token": await wpt(f(issuer), w) }),
          NOW,
        ),
      );
    };
    try {
      await auth.ready();
      expect(await check(issuerA)).toBe("ok");
      expect(await check(issuerB)).toBe("wit_kid_unknown");
      // The watcher is the default one (debounce 100 ms, parent directory watched).
      const deadline = Date.now() + 5000;
      write(path, formatWitJwks([issuerB]));
      let code = await check(issuerB);
      while (Date.now() < deadline && code !== "ok") {
        await new Promise((r) => setTimeout(r, 50));
        code = await check(issuerB);
      }
      expect(code).toBe("ok");
      expect(await check(issuerA)).toBe("wit_kid_unknown");
    } finally {
      auth.close();
    }
  });
});

describe("httpsWitKeys", () => {
  let server: Server;
  let url: string;
  let ca: string;
  let body = formatWitJwks([es]);
  let status = 200;
  let hits = 0;

  beforeAll(async () => {
    const root = await issueCertificate({ subject: "CN=witkeys test ca", ca: {} });
    const leaf = await issueCertificate({
      subject: "CN=endpoint",
      issuer: root,
      dns: ["localhost"],
      ips: ["127.0.0.1"],
    });
    ca = root.pem;
    server = createServer(
      { cert: leaf.pem, key: await exportPrivateKeyPem(leaf.keys.privateKey) },
      (_req, res) => {
        hits++;
        res.writeHead(status, { "content-type": "application/json" });
        res.end(body);
      },
    );
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/keys`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it("fetches, refreshes, and keeps the last good set through HTTP errors and bad bodies", async () => {
    body = formatWitJwks([es]);
    status = 200;
    const src = httpsWitKeys(url, "jwks", { ca, refreshMs: 30, minRefreshMs: 10, retryMs: 30 });
    try {
      expect([...(await src.ready()).keys.keys()]).toEqual(["es"]);

      let failed = nextError(src);
      status = 500;
      expect((await failed).code).toBe("witkeys_http_status");
      expect([...(src.current()?.keys.keys() ?? [])]).toEqual(["es"]);

      failed = nextError(src);
      status = 200;
      body = '{"keys": [1]}';
      expect((await failed).code).toBe("witkeys_bad_entry");
      expect([...(src.current()?.keys.keys() ?? [])]).toEqual(["es"]);

      const changed = nextChange(src);
      body = formatWitJwks([ed]);
      expect([...(await changed).keys.keys()]).toEqual(["ed"]);
    } finally {
      src.close();
    }
    const after = hits;
    await new Promise((r) => setTimeout(r, 100));
    expect(hits).toBe(after);
  });

  it("refuses an endpoint whose certificate is not signed by the pinned CA", async () => {
    const other = await issueCertificate({ subject: "CN=other ca", ca: {} });
    const src = httpsWitKeys(url, "jwks", { ca: other.pem, retryMs: 60_000 });
    try {
      await expect(src.ready()).rejects.toMatchObject({ code: "witkeys_fetch_failed" });
    } finally {
      src.close();
    }
  });

  it("refuses a non-https URL", () => {
    expect(() => httpsWitKeys("http://127.0.0.1/keys", "jwks")).toThrow(/https/);
  });
});

it("SUB fixture is canonical", () => expect(SUB.startsWith("spiffe://demo.example/")).toBe(true));
