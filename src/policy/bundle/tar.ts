/**
 * Reads a gzipped tar (an OPA bundle) into memory, defensively: regular files and directories
 * only, no path traversal, no duplicates, bounded member size, member count and total size
 * (decompressed bytes are counted as they stream, so a gzip bomb stops early).
 */
import { createGunzip } from "node:zlib";
import { Readable } from "node:stream";
import tar from "tar-stream";
import { PolicyError } from "../errors.js";

export interface TarLimits {
  maxMemberBytes: number;
  maxTotalBytes: number;
  maxMembers: number;
}

export const DEFAULT_TAR_LIMITS: TarLimits = {
  maxMemberBytes: 64 * 1024 * 1024,
  maxTotalBytes: 256 * 1024 * 1024,
  maxMembers: 10_000,
};

/** Bundle-relative path without a leading "/" ("policy.wasm", "a/b/data.json"), or an error. */
export function safeMemberPath(name: string): string {
  if (name.includes("\0") || name.includes("\\")) throw unsafe(name);
  const parts = name.split("/").filter((p) => p !== "" && p !== ".");
  if (parts.length === 0 || parts.some((p) => p === "..")) throw unsafe(name);
  return parts.join("/");
}

function unsafe(name: string): PolicyError {
  return new PolicyError("bundle_unsafe_path", `bundle member has an unsafe path: ${JSON.stringify(name)}`);
}

export async function readTarGz(
  bytes: Uint8Array,
  limits: TarLimits = DEFAULT_TAR_LIMITS,
): Promise<Map<string, Uint8Array>> {
  const files = new Map<string, Uint8Array>();
  const extract = tar.extract();
  const gunzip = createGunzip();
  let total = 0;
  let members = 0;
  let failure: PolicyError | undefined;

  const fail = (e: PolicyError): void => {
    failure ??= e;
    gunzip.destroy();
    extract.destroy();
  };

  gunzip.on("data", (chunk: Buffer) => {
    total += chunk.length;
    if (total > limits.maxTotalBytes) {
      fail(new PolicyError("bundle_too_large", `bundle exceeds ${limits.maxTotalBytes} bytes uncompressed`));
    }
  });

  const done = new Promise<void>((resolve, reject) => {
    extract.on("entry", (header, stream, next) => {
      members++;
      if (members > limits.maxMembers) {
        fail(new PolicyError("bundle_too_large", `bundle has more than ${limits.maxMembers} members`));
        return;
      }
      if (header.type === "directory") {
        stream.resume();
        stream.on("end", next);
        return;
      }
      if (header.type !== "file" && header.type !== "contiguous-file") {
        fail(
          new PolicyError(
            "bundle_unsafe_path",
            `bundle member ${JSON.stringify(header.name)} is a ${header.type}`,
          ),
        );
        return;
      }
      let name: string;
      try {
        name = safeMemberPath(header.name);
      } catch (e) {
        fail(e as PolicyError);
        return;
      }
      if (files.has(name)) {
        fail(
          new PolicyError("bundle_invalid_archive", `bundle has two members named ${JSON.stringify(name)}`),
        );
        return;
      }
      if ((header.size ?? 0) > limits.maxMemberBytes) {
        fail(
          new PolicyError("bundle_too_large", `bundle member ${name} exceeds ${limits.maxMemberBytes} bytes`),
        );
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on("data", (chunk: unknown) => {
        const c = chunk as Buffer;
        size += c.length;
        if (size > limits.maxMemberBytes) {
          fail(
            new PolicyError(
              "bundle_too_large",
              `bundle member ${name} exceeds ${limits.maxMemberBytes} bytes`,
            ),
          );
          return;
        }
        chunks.push(c);
      });
      stream.on("end", () => {
        files.set(name, new Uint8Array(Buffer.concat(chunks)));
        next();
      });
    });
    extract.on("finish", () => (failure ? reject(failure) : resolve()));
    extract.on("close", () => (failure ? reject(failure) : resolve()));
    extract.on("error", (e: Error) =>
      reject(
        failure ?? new PolicyError("bundle_invalid_archive", `bundle is not a valid tar.gz: ${e.message}`),
      ),
    );
    gunzip.on("error", (e: Error) =>
      reject(
        failure ??
          new PolicyError("bundle_invalid_archive", `bundle is not a valid gzip stream: ${e.message}`),
      ),
    );
  });

  Readable.from([Buffer.from(bytes)])
    .pipe(gunzip)
    .pipe(extract);
  await done;
  if (failure) throw failure;
  return files;
}
