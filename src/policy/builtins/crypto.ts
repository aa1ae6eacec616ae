/** crypto.* digests and HMACs (hex output, as OPA). */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { str } from "./args.js";
import type { BuiltinFamily } from "./registry.js";

const digest = (alg: string) => (s: unknown) => createHash(alg).update(str(s, 1), "utf8").digest("hex");
const hmac = (alg: string) => (s: unknown, key: unknown) =>
  createHmac(alg, Buffer.from(str(key, 2), "utf8"))
    .update(str(s, 1), "utf8")
    .digest("hex");

export const crypto: BuiltinFamily = {
  "crypto.md5": digest("md5"),
  "crypto.sha1": digest("sha1"),
  "crypto.sha256": digest("sha256"),
  "crypto.hmac.md5": hmac("md5"),
  "crypto.hmac.sha1": hmac("sha1"),
  "crypto.hmac.sha256": hmac("sha256"),
  "crypto.hmac.sha512": hmac("sha512"),
  "crypto.hmac.equal": (a, b) => {
    const x = Buffer.from(str(a, 1), "utf8");
    const y = Buffer.from(str(b, 2), "utf8");
    return x.length === y.length && timingSafeEqual(x, y);
  },
};
