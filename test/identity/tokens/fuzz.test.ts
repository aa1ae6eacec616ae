/**
 * Random mutations of a valid WIT + WPT pair: header bytes, claim values, structure. None may be
 * accepted and none may throw. The generator is seeded, so a failure reproduces.
 */
import { describe, expect, it } from "vitest";
import { createTokenAuthenticator, MemoryReplayCache } from "../../../src/identity/tokens/index.js";
import { signJwt } from "../../../src/pki/tokens.js";
import { config, fixture, NOW, NOW_S, request, SUB, TARGET, wit, wpt } from "./helpers.js";
import { mulberry32 as prng } from "../../support/prng.js";

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const JUNK = [".", ",", " ", "=", "+", "/", "\u0000", "é", '"', "{", "}"];

describe("fuzz", () => {
  it("no mutation of a valid pair is accepted, none throws", async () => {
    const f = fixture();
    const rnd = prng(0x5eed);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
    // One cache: the unmutated pair is accepted once (checked below), so every later acceptance of
    // an unchanged pair would be a replay anyway; mutations must fail for their own reason.
    const auth = createTokenAuthenticator(config(f, { replay: new MemoryReplayCache({ now: () => NOW_S }) }));
    await auth.ready();
    const w = await wit(f);
    const p = await wpt(f, w, { jti: "fuzz-base" });
    const ok = await auth.authenticate(
      request({ "workload-identity-token": w, "workload-proof-token": p }),
      NOW,
    );
    expect(ok.present && ok.ok).toBe(true);

    const byteMutation = (token: string): string => {
      const chars = [...token];
      const n = 1 + Math.floor(rnd() * 3);
      for (let k = 0; k < n; k++) {
        const i = Math.floor(rnd() * chars.length);
        const op = rnd();
        if (op < 0.5) chars[i] = pick([...B64]);
        else if (op < 0.7) chars.splice(i, 1);
        else if (op < 0.85) chars.splice(i, 0, pick([...B64]));
        else chars[i] = pick(JUNK);
      }
      return chars.join("");
    };

    // Claim mutations re-signed with the right keys: each breaks one rule.
    const claimMutations: (() => Promise<[string, string]>)[] = [
      async () => [w, await wpt(f, w, { jti: `m${rnd()}`, aud: `${TARGET}/${Math.floor(rnd() * 9)}` })],
      async () => [w, await wpt(f, w, { jti: `m${rnd()}`, exp: NOW_S - 61 - Math.floor(rnd() * 1e6) })],
      async () => [w, await wpt(f, w, { jti: `m${rnd()}`, exp: NOW_S + 361 + Math.floor(rnd() * 1e6) })],
      async () => [
        w,
        await wpt(f, w, { jti: `m${rnd()}`, extraClaims: { wth: pick([undefined, "x", 1, null]) } }),
      ],
      async () => [
        w,
        await wpt(f, w, { jti: `m${rnd()}`, extraClaims: { exp: pick([undefined, "1", null, true]) } }),
      ],
      async () => [
        w,
        await wpt(f, w, { extraClaims: { jti: pick([undefined, "", 5, null, "x".repeat(300)]) } }),
      ],
      async () => {
        const bad = await wit(f, {
          extraClaims: { cnf: pick([undefined, {}, { jwk: {} }, { jwk: "x" }, 1]) },
        });
        return [bad, await wpt(f, bad, { jti: `m${rnd()}` })];
      },
      async () => {
        const bad = await wit(f, { sub: pick([`${SUB}/`, SUB.toUpperCase(), `${SUB}?a`, "", "spiffe://x"]) });
        return [bad, await wpt(f, bad, { jti: `m${rnd()}` })];
      },
      async () => {
        const bad = await wit(f, { exp: NOW_S - 61 - Math.floor(rnd() * 1e6), iat: NOW_S - 1e7 });
        return [bad, await wpt(f, bad, { jti: `m${rnd()}` })];
      },
      async () => {
        const typ = pick(["jwt", "wit+jwt ", "wit+jw", "application/jwt", "wpt+jwt", ""]);
        const bad = await wit(f, { typ });
        return [bad, await wpt(f, bad, { jti: `m${rnd()}` })];
      },
      async () => [
        w,
        await signJwt(
          { typ: "wpt+jwt", alg: "ES256" },
          { aud: TARGET, exp: NOW_S + 60, jti: `m${rnd()}`, wth: "x" },
          f.issuer.privateKey,
        ),
      ],
    ];

    let accepted = 0;
    let runs = 0;
    for (let i = 0; i < 400; i++) {
      let witText = w;
      let wptText = p;
      const kind = rnd();
      if (kind < 0.35) witText = byteMutation(w);
      else if (kind < 0.7) wptText = byteMutation(p);
      else [witText, wptText] = await pick(claimMutations)();
      if (witText === w && wptText === p) continue;
      runs++;
      const r = await auth.authenticate(
        request({ "workload-identity-token": witText, "workload-proof-token": wptText }),
        NOW,
      );
      expect(r.present).toBe(true);
      if (r.present && r.ok) accepted++;
      if (r.present && !r.ok) expect(r.code).toMatch(/^(wit|wpt|tokens)_[a-z_]+$/);
    }
    auth.close();
    expect(runs).toBeGreaterThan(350);
    expect(accepted).toBe(0);
  });
});
