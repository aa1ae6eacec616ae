/** Writes an OPA-format bundle (gzipped tar), as `opa build` lays it out. */
import { createGzip } from "node:zlib";
import tar from "tar-stream";

export interface BundleMember {
  /** Path inside the bundle, with a leading "/" as opa build writes it ("/policy.wasm"). */
  path: string;
  bytes: Uint8Array;
}

export async function writeTarGz(members: BundleMember[], mtime = new Date(0)): Promise<Uint8Array> {
  const pack = tar.pack();
  const gzip = createGzip();
  const chunks: Buffer[] = [];
  gzip.on("data", (c: Buffer) => chunks.push(c));
  const done = new Promise<void>((resolve, reject) => {
    gzip.on("end", resolve);
    gzip.on("error", reject);
    pack.on("error", reject);
  });
  pack.pipe(gzip);
  for (const m of members) {
    pack.entry(
      { name: m.path, size: m.bytes.byteLength, mode: 0o644, mtime, type: "file" },
      Buffer.from(m.bytes),
    );
  }
  pack.finalize();
  await done;
  return new Uint8Array(Buffer.concat(chunks));
}
