/** Table tests for the pure matchers used by the listener allowlist and identity-optional rules. */
import { describe, expect, it } from "vitest";
import { isIdentityOptional } from "../../src/extauthz/optional.js";
import { callerAllowed, uriSans } from "../../src/server/listener-tls.js";

describe("uriSans (Node's subjectaltname text)", () => {
  it.each([
    ["URI:spiffe://a/b", ["spiffe://a/b"]],
    ["DNS:envoy, URI:spiffe://a/b", ["spiffe://a/b"]],
    ["URI:spiffe://a/b, URI:spiffe://a/c", ["spiffe://a/b", "spiffe://a/c"]],
    ['URI:"spiffe://a/b,c", DNS:x', ["spiffe://a/b,c"]],
    ["DNS:spiffe://a/b", []],
    ["email:URI:spiffe://a/b", []],
    ["", []],
  ])("%j -> %j", (text, expected) => {
    expect(uriSans(text)).toEqual(expected);
  });
});

describe("callerAllowed", () => {
  const allow = ["spiffe://demo/ns/demo/sa/envoy"];
  it.each([
    [{ subjectaltname: "URI:spiffe://demo/ns/demo/sa/envoy" }, true],
    [{ subjectaltname: "DNS:envoy, URI:spiffe://demo/ns/demo/sa/envoy" }, true],
    [{ subjectaltname: "URI:spiffe://demo/ns/demo/sa/envoy2" }, false],
    [{ subjectaltname: "URI:spiffe://demo/ns/demo/sa/envoy/x" }, false],
    [{ subjectaltname: "DNS:spiffe://demo/ns/demo/sa/envoy" }, false],
    [{}, false],
    [undefined, false],
  ])("%j -> %s", (peer, expected) => {
    expect(callerAllowed(allow, peer)).toBe(expected);
  });
  it("an empty allowlist admits any caller the TLS layer admitted", () => {
    expect(callerAllowed([], undefined)).toBe(true);
  });
});

describe("isIdentityOptional", () => {
  const rules = [
    { path: "/healthz", methods: ["GET", "HEAD"] },
    { pathPrefix: "/public", methods: [] },
    { pathPrefix: "/static/", methods: ["GET"] },
  ];
  it.each([
    ["GET", "/healthz", true],
    ["HEAD", "/healthz", true],
    ["POST", "/healthz", false],
    ["GET", "/healthz/", false],
    ["GET", "/healthzz", false],
    ["GET", "/public", true],
    ["DELETE", "/public/x/y", true],
    ["GET", "/publicity", false],
    ["GET", "/public/../admin", false],
    ["GET", "/public/./x", false],
    ["GET", "/public//x", false],
    ["GET", "/public/%2e%2e/admin", false],
    ["GET", "/static/app.js", true],
    ["POST", "/static/app.js", false],
    ["GET", "/static", false],
    ["GET", "/", false],
  ])("%s %s -> %s", (method, path, expected) => {
    expect(isIdentityOptional(rules, method, path)).toBe(expected);
  });
  it("no rules: never optional", () => {
    expect(isIdentityOptional([], "GET", "/healthz")).toBe(false);
  });
});
