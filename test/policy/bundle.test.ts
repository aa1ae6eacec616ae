import { gzipSync } from "node:zlib";
import tar from "tar-stream";
import { describe, expect, it } from "vitest";
import { parseBundle } from "../../src/policy/bundle/load.js";
import { readTarGz, safeMemberPath } from "../../src/policy/bundle/tar.js";
import { writeTarGz } from "../../src/policy/bundle/write.js";
import { PolicyError } from "../../src/policy/errors.js";
import { echoPolicy } from "./fixture-wasm.js";

const enc = new TextEncoder();

async function rawTar(
  entries: { name: string; body?: string; type?: "file" | "symlink" | "directory"; linkname?: string }[],
) {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on("data", (c: unknown) => {
    chunks.push(c as Buffer);
  });
  const done = new Promise<void>((r) => {
    pack.on("end", () => r());
  });
  for (const e of entries) {
    if (e.type === "symlink")
      pack.entry({ name: e.name, type: "symlink", linkname: e.linkname ?? "/etc/passwd" });
    else if (e.type === "directory") pack.entry({ name: e.name, type: "directory" });
    else pack.entry({ name: e.name }, e.body ?? "");
  }
  pack.finalize();
  await done;
  return new Uint8Array(gzipSync(Buffer.concat(chunks)));
}

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return "ok";
  } catch (e) {
    return e instanceof PolicyError ? e.code : `unexpected: ${String(e)}`;
  }
}

describe("bundle tar reading", () => {
  it.each([
    ["../evil", "bundle_unsafe_path"],
    ["/a/../../evil", "bundle_unsafe_path"],
    ["a\\b", "bundle_unsafe_path"],
    ["./", "bundle_unsafe_path"],
  ])("rejects member path %s", (name, want) => {
    expect(() => safeMemberPath(name)).toThrow(PolicyError);
    try {
      safeMemberPath(name);
    } catch (e) {
      expect((e as PolicyError).code).toBe(want);
    }
  });

  it("normalises leading slashes and dots", () => {
    expect(safeMemberPath("/policy.wasm")).toBe("policy.wasm");
    expect(safeMemberPath("./a//b/data.json")).toBe("a/b/data.json");
  });

  it("rejects traversal, links, duplicates, oversize members and garbage", async () => {
    expect(await code(readTarGz(await rawTar([{ name: "../x", body: "1" }])))).toBe("bundle_unsafe_path");
    expect(await code(readTarGz(await rawTar([{ name: "link", type: "symlink" }])))).toBe(
      "bundle_unsafe_path",
    );
    expect(
      await code(
        readTarGz(
          await rawTar([
            { name: "/a", body: "1" },
            { name: "a", body: "2" },
          ]),
        ),
      ),
    ).toBe("bundle_invalid_archive");
    const big = await rawTar([{ name: "big", body: "x".repeat(5000) }]);
    expect(await code(readTarGz(big, { maxMemberBytes: 1000, maxTotalBytes: 1e9, maxMembers: 10 }))).toBe(
      "bundle_too_large",
    );
    expect(await code(readTarGz(big, { maxMemberBytes: 1e9, maxTotalBytes: 2000, maxMembers: 10 }))).toBe(
      "bundle_too_large",
    );
    const many = await rawTar([{ name: "a" }, { name: "b" }, { name: "c" }]);
    expect(await code(readTarGz(many, { maxMemberBytes: 1e9, maxTotalBytes: 1e9, maxMembers: 2 }))).toBe(
      "bundle_too_large",
    );
    expect(await code(readTarGz(enc.encode("not gzip at all")))).toBe("bundle_invalid_archive");
  });

  it("reads directories and files", async () => {
    const files = await readTarGz(
      await rawTar([
        { name: "d/", type: "directory" },
        { name: "d/f", body: "hi" },
      ]),
    );
    expect([...files.keys()]).toEqual(["d/f"]);
    expect(new TextDecoder().decode(files.get("d/f"))).toBe("hi");
  });
});

describe("parseBundle", () => {
  const wasm = echoPolicy();
  const manifest = (m: unknown) => ({ path: "/.manifest", bytes: enc.encode(JSON.stringify(m)) });

  it("loads an opa-build layout with nested data files", async () => {
    const bytes = await writeTarGz([
      manifest({
        revision: "r1",
        roots: [""],
        wasm: [{ entrypoint: "test/echo", module: "/policy.wasm" }],
        rego_version: 1,
      }),
      { path: "/policy.wasm", bytes: wasm },
      { path: "/data.json", bytes: enc.encode('{"answer": 42}') },
      { path: "/acl/data.yaml", bytes: enc.encode("rules:\n  - a\n") },
      { path: "/policy.rego", bytes: enc.encode("package x") },
    ]);
    const b = await parseBundle(bytes);
    expect(b.revision).toBe("r1");
    expect(b.entrypoints).toEqual(["test/echo"]);
    expect(b.data).toEqual({ answer: 42, acl: { rules: ["a"] } });
    expect(b.sources).toEqual(["policy.rego"]);
    expect(b.wasm).toEqual(wasm);
  });

  it("derives a content revision when the manifest has none", async () => {
    const b = await parseBundle(await writeTarGz([{ path: "/policy.wasm", bytes: wasm }]));
    expect(b.revision).toMatch(/^sha256:[0-9a-f]{16}$/);
    expect(b.data).toEqual({});
  });

  it.each([
    ["missing policy.wasm", [{ path: "/data.json", bytes: enc.encode("{}") }], "bundle_missing_wasm"],
    ["manifest not JSON", [{ path: "/.manifest", bytes: enc.encode("{") }], "bundle_invalid_manifest"],
    ["manifest revision number", [manifest({ revision: 3 })], "bundle_invalid_manifest"],
    [
      "manifest other module",
      [manifest({ wasm: [{ entrypoint: "a", module: "/other.wasm" }] })],
      "bundle_invalid_manifest",
    ],
    ["data not JSON", [{ path: "/data.json", bytes: enc.encode("{nope") }], "bundle_invalid_data"],
    ["top-level data array", [{ path: "/data.json", bytes: enc.encode("[1]") }], "bundle_invalid_data"],
    [
      "conflicting data",
      [
        { path: "/data.json", bytes: enc.encode('{"a": {"b": 1}}') },
        { path: "/a/data.json", bytes: enc.encode('{"b": 2}') },
      ],
      "bundle_invalid_data",
    ],
  ])("rejects %s", async (_name, members, want) => {
    const all = [
      ...members,
      ...(want === "bundle_missing_wasm" ? [] : [{ path: "/policy.wasm", bytes: wasm }]),
    ];
    expect(await code(parseBundle(await writeTarGz(all)))).toBe(want);
  });
});
