/**
 * allowResponse against a direct statement of its rules, over seeded random decisions, identities
 * and header-name configurations: identity headers set (append false) or removed, never both;
 * policy headers never override them; removals listed once, in first-seen order; query
 * parameters in the decision's order.
 */
import { describe, expect, it } from "vitest";
import type { PolicyIdentity } from "../../src/extauthz/input.js";
import { allowResponse, type IdentityHeaderNames } from "../../src/extauthz/response.js";
import type { Decision } from "../../src/policy/types.js";
import { mulberry32, type Rng, pick } from "../support/prng.js";

const NAMES = [
  "x-wimse-workload-id",
  "X-Wimse-Trust-Domain",
  "x-wimse-proxy-id",
  "x-wimse-auth-method",
  "x-a",
  "",
];

function reference(
  d: Decision | undefined,
  identity: PolicyIdentity | undefined,
  names: IdentityHeaderNames,
) {
  const ids = new Map<string, string | undefined>();
  const put = (n: string, v: string | undefined) => {
    if (n !== "") ids.set(n.toLowerCase(), v);
  };
  put(names.workloadId, identity?.id);
  put(names.trustDomain, identity?.trustDomain);
  put(names.proxyId, identity?.proxy?.id);
  put(names.authMethod, identity?.method);
  const set: Array<[string, string, boolean]> = [];
  for (const [n, vs] of Object.entries(d?.headers ?? {})) {
    if (ids.has(n.toLowerCase())) continue;
    for (let i = 0; i < vs.length; i++) set.push([n, vs[i] as string, i > 0]);
  }
  const remove = new Set<string>();
  for (const n of d?.requestHeadersToRemove ?? []) if (!ids.has(n.toLowerCase())) remove.add(n);
  for (const [n, v] of ids) {
    if (v === undefined) remove.add(n);
    else set.push([n, v, false]);
  }
  const query = Object.entries(d?.queryParametersToSet ?? {}).flatMap(([key, vs]) =>
    vs.map((value) => ({ key, value })),
  );
  return { set, remove: [...remove], query, queryRemove: [...(d?.queryParametersToRemove ?? [])] };
}

function decision(rng: Rng): Decision {
  const map = () =>
    Object.fromEntries(
      Array.from({ length: Math.floor(rng() * 4) }, () => [
        pick(rng, NAMES.filter(Boolean)),
        ["1", "2"].slice(0, 1 + Math.floor(rng() * 2)),
      ]),
    );
  return {
    allowed: true,
    headers: map(),
    responseHeadersToAdd: map(),
    requestHeadersToRemove: Array.from({ length: Math.floor(rng() * 4) }, () =>
      pick(rng, [...NAMES.filter(Boolean), "authorization", "X-A"]),
    ),
    queryParametersToSet: Object.fromEntries(
      Array.from({ length: Math.floor(rng() * 3) }, (_, i) => [
        `q${i}`,
        ["a", "b"].slice(0, 1 + Math.floor(rng() * 2)),
      ]),
    ),
    queryParametersToRemove: rng() < 0.5 ? [] : ["t", "u"],
  };
}

describe("allowResponse", () => {
  it("follows the rules over 3000 seeded cases", () => {
    const rng = mulberry32(99);
    for (let i = 0; i < 3000; i++) {
      const d = rng() < 0.8 ? decision(rng) : undefined;
      const identity: PolicyIdentity | undefined =
        rng() < 0.8
          ? {
              id: "spiffe://td/a",
              scheme: "spiffe",
              trustDomain: "td",
              path: "/a",
              method: "mtls",
              ...(rng() < 0.5
                ? {
                    proxy: {
                      id: "spiffe://td/p",
                      scheme: "spiffe",
                      trustDomain: "td",
                      path: "/p",
                      method: "mtls",
                    },
                  }
                : {}),
            }
          : undefined;
      const names: IdentityHeaderNames = {
        workloadId: pick(rng, NAMES),
        trustDomain: pick(rng, NAMES),
        proxyId: pick(rng, NAMES),
        authMethod: pick(rng, NAMES),
      };
      const got = allowResponse(d, identity, names, `id-${i}`).okResponse;
      const want = reference(d, identity, names);
      expect(
        got?.headers.map((h) => [h.header?.key, h.header?.value, h.append]),
        `case ${i}`,
      ).toEqual(want.set);
      expect(got?.headersToRemove, `case ${i}`).toEqual(want.remove);
      expect(got?.queryParametersToSet, `case ${i}`).toEqual(want.query);
      expect(got?.queryParametersToRemove, `case ${i}`).toEqual(want.queryRemove);
    }
  });
});
