/** A set of certificates indexed by subject name, for issuer lookup during path building. */
import type { ParsedCert } from "./cert.js";
import { hex } from "./der.js";

export class CertPool {
  private readonly bySubject = new Map<string, ParsedCert[]>();
  private readonly hashes = new Set<string>();

  constructor(certs: Iterable<ParsedCert> = []) {
    for (const c of certs) this.add(c);
  }

  add(cert: ParsedCert): void {
    if (this.hashes.has(cert.sha256)) return;
    this.hashes.add(cert.sha256);
    const key = hex(cert.subject.raw);
    const list = this.bySubject.get(key);
    if (list) list.push(cert);
    else this.bySubject.set(key, [cert]);
  }

  has(cert: ParsedCert): boolean {
    return this.hashes.has(cert.sha256);
  }

  get size(): number {
    return this.hashes.size;
  }

  /** Certificates whose subject is byte-for-byte the issuer name of `child`. */
  issuersOf(child: ParsedCert): readonly ParsedCert[] {
    return this.bySubject.get(hex(child.issuer.raw)) ?? [];
  }
}

export function toPool(certs: CertPool | readonly ParsedCert[]): CertPool {
  return certs instanceof CertPool ? certs : new CertPool(certs);
}
