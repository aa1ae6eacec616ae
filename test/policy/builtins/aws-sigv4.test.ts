/** providers.aws.sign_req: AWS's published Signature V4 examples for S3, and the inputs it refuses. */
import { describe, expect, it } from "vitest";
import { canonicalUri, signRequest } from "../../../src/policy/builtins/aws-sigv4.js";
import { BuiltinError } from "../../../src/policy/builtins/errors.js";

// AWS S3 documentation, "Signature Calculations for the Authorization Header" examples.
const CFG = {
  aws_access_key: "AKIAIOSFODNN7EXAMPLE",
  aws_secret_access_key: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
  aws_service: "s3",
  aws_region: "us-east-1",
};
const T = 1369353600000000000; // 2013-05-24T00:00:00Z
const authorization = (req: Record<string, unknown>, cfg: Record<string, unknown> = CFG) =>
  (signRequest(req, cfg, T).headers as Record<string, string>).Authorization;

describe("providers.aws.sign_req", () => {
  it.each([
    [
      "GET object with a Range header",
      {
        method: "GET",
        url: "https://examplebucket.s3.amazonaws.com/test.txt",
        headers: { Range: "bytes=0-9" },
      },
      "host;range;x-amz-content-sha256;x-amz-date",
      "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
    ],
    [
      "PUT object with a body",
      {
        method: "PUT",
        url: "https://examplebucket.s3.amazonaws.com/test$file.text",
        raw_body: "Welcome to Amazon S3.",
        headers: { Date: "Fri, 24 May 2013 00:00:00 GMT", "x-amz-storage-class": "REDUCED_REDUNDANCY" },
      },
      "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class",
      "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd",
    ],
    [
      "GET bucket lifecycle",
      { method: "GET", url: "https://examplebucket.s3.amazonaws.com/?lifecycle" },
      "host;x-amz-content-sha256;x-amz-date",
      "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543",
    ],
    [
      "list objects (query sorted)",
      { method: "GET", url: "https://examplebucket.s3.amazonaws.com/?prefix=J&max-keys=2" },
      "host;x-amz-content-sha256;x-amz-date",
      "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7",
    ],
  ])("signs AWS's example: %s", (_name, req, signed, signature) => {
    expect(authorization(req)).toBe(
      `AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=${signed},Signature=${signature}`,
    );
  });

  it("returns the request with its headers and the signing headers", () => {
    const out = signRequest(
      { method: "GET", url: "https://h.example/a", headers: { foo: "bar" }, extra: 1 },
      CFG,
      T,
    );
    expect(out).toMatchObject({
      method: "GET",
      url: "https://h.example/a",
      extra: 1,
      headers: { foo: "bar", host: "h.example", "x-amz-date": "20130524T000000Z" },
    });
  });

  it("signs the session token, and an unsigned payload when asked", () => {
    const req = { method: "GET", url: "https://h.example/" };
    const withToken = signRequest(req, { ...CFG, aws_session_token: "tok" }, T).headers as Record<
      string,
      string
    >;
    expect(withToken["x-amz-security-token"]).toBe("tok");
    expect(withToken.Authorization).toContain(
      "SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token,",
    );
    const unsigned = signRequest(req, { ...CFG, disable_payload_signing: true }, T).headers as Record<
      string,
      string
    >;
    expect(unsigned["x-amz-content-sha256"]).toBe("UNSIGNED-PAYLOAD");
    expect(unsigned.Authorization).not.toBe(authorization(req));
  });

  it("signs a body given as a value by its JSON text", () => {
    const a = signRequest({ method: "POST", url: "https://h.example/", body: { a: 1 } }, CFG, T);
    const b = signRequest({ method: "POST", url: "https://h.example/", raw_body: '{"a":1}' }, CFG, T);
    expect(a.headers).toEqual(b.headers);
  });

  it("encodes path segments once for S3 and twice for other services", () => {
    const url = new URL("https://h.example/a%20b/c~d/$");
    expect(canonicalUri(url, "s3")).toBe("/a%20b/c~d/%24");
    expect(canonicalUri(url, "execute-api")).toBe("/a%2520b/c~d/%2524");
    expect(canonicalUri(new URL("https://h.example"), "s3")).toBe("/");
  });

  const good = { method: "get", url: "http://example.com" };
  const REJECTED: [string, unknown, unknown, unknown, string][] = [
    [
      "missing request keys",
      {},
      CFG,
      T,
      'operand 1 missing required request parameters(s): {"method", "url"}',
    ],
    [
      "non-string request values",
      { method: [], url: 1 },
      CFG,
      T,
      'operand 1 invalid values for required request parameters(s): {"method", "url"}',
    ],
    [
      "missing config keys",
      good,
      { example: "x" },
      T,
      'operand 2 missing required AWS config parameters(s): {"aws_access_key", "aws_region", "aws_secret_access_key", "aws_service"}',
    ],
    [
      "non-string config values",
      good,
      { aws_access_key: 1, aws_secret_access_key: 2, aws_service: 3, aws_region: 4 },
      T,
      'operand 2 invalid values for required AWS config parameters(s): {"aws_access_key", "aws_region", "aws_secret_access_key", "aws_service"}',
    ],
    [
      "a non-boolean disable_payload_signing",
      good,
      { ...CFG, disable_payload_signing: "false" },
      T,
      "operand 2 invalid value for 'disable_payload_signing' in AWS config",
    ],
    ["a negative time", good, CFG, -1e9, "operand 3 could not convert time_ns value into a unix timestamp"],
    ["a fractional time", good, CFG, 1.5, "operand 3 could not convert time_ns value into a unix timestamp"],
    [
      "a bad URL",
      { method: "get", url: "not a url" },
      CFG,
      T,
      'operand 1 url "not a url" is not a valid URL',
    ],
    ["a non-string header", { ...good, headers: { a: 1 } }, CFG, T, 'operand 1 header "a" must be a string'],
  ];
  it.each(REJECTED)("refuses %s with a type error", (_name, req, cfg, t, message) => {
    let err: unknown;
    try {
      signRequest(req, cfg, t);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BuiltinError);
    expect((err as BuiltinError).code).toBe("eval_type_error");
    expect((err as BuiltinError).message).toBe(message);
  });
});
