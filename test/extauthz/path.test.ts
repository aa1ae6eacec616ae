/**
 * parseTarget against a direct statement of its rules (percentDecode of the whole path, leading
 * "/" dropped, split on "/"; every query key and value through percentDecode with "+" as space),
 * over seeded random targets: the fast paths for plain components must change no answer.
 */
import { describe, expect, it } from "vitest";
import { type ParsedTarget, parseQuery, parseTarget } from "../../src/extauthz/path.js";
import { percentDecode } from "../../src/extauthz/percent.js";
import { RequestRejection } from "../../src/extauthz/reasons.js";
import { mulberry32, type Rng } from "../support/prng.js";

function reference(target: string) {
  const noFragment = target.split("#")[0] as string;
  const q = noFragment.indexOf("?");
  const path = q >= 0 ? noFragment.slice(0, q) : noFragment;
  const decoded = percentDecode(path);
  if (decoded === undefined) return "rejected";
  const query: Record<string, string[]> = Object.create(null) as Record<string, string[]>;
  for (const pair of (q >= 0 ? noFragment.slice(q + 1) : "").split("&")) {
    if (pair === "") continue;
    const eq = pair.indexOf("=");
    const k = percentDecode(eq >= 0 ? pair.slice(0, eq) : pair, true);
    const v = percentDecode(eq >= 0 ? pair.slice(eq + 1) : "", true);
    if (k === undefined || v === undefined) return "rejected";
    if (!Object.hasOwn(query, k)) query[k] = [];
    query[k].push(v);
  }
  return { path, parsedPath: decoded.replace(/^\/+/, "").split("/"), parsedQuery: query };
}

function target(rng: Rng): string {
  const pieces = [
    "/",
    "//",
    "a",
    "é",
    "%2F",
    "%C3%A9",
    "%zz",
    "%",
    "+",
    "?",
    "&",
    "=",
    "#",
    "x",
    "%2B",
    "%FF",
  ];
  let s = rng() < 0.8 ? "/" : "";
  const n = Math.floor(rng() * 12);
  for (let i = 0; i < n; i++) s += pieces[Math.floor(rng() * pieces.length)];
  return s;
}

describe("parseTarget", () => {
  it("agrees with the reference statement of its rules over 5000 seeded targets", () => {
    const rng = mulberry32(31337);
    let accepted = 0;
    for (let i = 0; i < 5000; i++) {
      const t = target(rng);
      const got = parseTarget(t);
      const want = reference(t);
      if (want === "rejected") {
        expect(got, t).toBeInstanceOf(RequestRejection);
      } else {
        accepted++;
        expect(got, t).not.toBeInstanceOf(RequestRejection);
        const { path, parsedPath, parsedQuery } = got as ParsedTarget;
        expect({ path, parsedPath, parsedQuery }, t).toEqual(want);
      }
    }
    // The generator must exercise both outcomes, or the comparison proves little.
    expect(accepted).toBeGreaterThan(1000);
    expect(accepted).toBeLessThan(5000);
  });

  it("builds parsed_path and parsed_query once, on first read", () => {
    const t = parseTarget("/a/b?x=1&x=2&y") as ParsedTarget;
    expect(t.parsedQuery).toBe(t.parsedQuery);
    expect(t.parsedPath).toBe(t.parsedPath);
    expect(t.parsedQuery).toEqual({ x: ["1", "2"], y: [""] });
    expect(Object.getPrototypeOf(t.parsedQuery)).toBeNull();
  });

  it("rejects a broken escape in the query before anything reads it", () => {
    expect(parseTarget("/a?x=%zz")).toBeInstanceOf(RequestRejection);
    expect(parseTarget("/a?x=%C3")).toBeInstanceOf(RequestRejection);
    expect(parseTarget("/a?x=%C3%A9")).not.toBeInstanceOf(RequestRejection);
  });

  it("drops every leading slash and keeps the others", () => {
    expect((parseTarget("///a//b/") as { parsedPath: string[] }).parsedPath).toEqual(["a", "", "b", ""]);
    expect((parseTarget("") as { parsedPath: string[] }).parsedPath).toEqual([""]);
  });

  it("decodes + as a space only in the query", () => {
    expect(parseQuery("a+b=c+d&plain=x")).toEqual({ "a b": ["c d"], plain: ["x"] });
    expect((parseTarget("/a+b?q=a+b") as { parsedPath: string[] }).parsedPath).toEqual(["a+b"]);
  });
});
