/**
 * The trust material of every configured trust domain, parsed once per update: anchors (bundle),
 * configured intermediates and CRLs. Lookups go by the identifier's own trust domain only, so a
 * chain can never be validated by another domain's anchor. Any update calls `onChange` (the
 * authenticator flushes its verified-chain cache).
 */
import type { TrustDomainConfig } from "./config.js";
import type { WorkloadId } from "./types.js";
import { CertPool, type ParsedCert, type ParsedCrl, tryParseDer } from "./x509/index.js";

export interface TrustMaterial {
  /** Undefined while the bundle has not loaded yet. */
  anchors: CertPool | undefined;
  intermediates: CertPool;
  /** Undefined when no CRL source is configured; empty array while it has not loaded. */
  crls: readonly ParsedCrl[] | undefined;
  crlsLoaded: boolean;
}

class DomainState {
  private material: TrustMaterial | undefined;

  constructor(
    readonly config: TrustDomainConfig,
    onChange: () => void,
  ) {
    const invalidate = () => {
      this.material = undefined;
      onChange();
    };
    config.bundles.onChange(invalidate);
    config.intermediates?.onChange(invalidate);
    config.crls?.onChange(invalidate);
  }

  get(): TrustMaterial {
    if (this.material) return this.material;
    const bundle = this.config.bundles.current();
    const anchors = bundle ? new CertPool(parseAll(bundle.authorities)) : undefined;
    const intermediates = new CertPool(parseAll(this.config.intermediates?.current()?.authorities ?? []));
    const crlSet = this.config.crls?.current();
    const m: TrustMaterial = {
      anchors,
      intermediates,
      crls: this.config.crls ? (crlSet?.crls ?? []) : undefined,
      crlsLoaded: crlSet !== undefined,
    };
    // Only memoise complete material: a source still loading is looked at again next time.
    if (
      bundle &&
      (!this.config.intermediates || this.config.intermediates.current()) &&
      (!this.config.crls || crlSet)
    ) {
      this.material = m;
    }
    return m;
  }
}

function parseAll(ders: readonly Uint8Array[]): ParsedCert[] {
  const out: ParsedCert[] = [];
  for (const der of ders) {
    const r = tryParseDer(der);
    // A bundle entry our strict parser rejects can never anchor a path; it is skipped.
    if (r.ok) out.push(r.cert);
  }
  return out;
}

export class TrustStore {
  private readonly byOrigin = new Map<string, DomainState>();
  private readonly byName = new Map<string, DomainState>();

  constructor(domains: Record<string, TrustDomainConfig>, onChange: () => void) {
    for (const [key, cfg] of Object.entries(domains)) {
      const state = new DomainState(cfg, onChange);
      if (key.includes("://")) this.byOrigin.set(key, state);
      else this.byName.set(key, state);
    }
  }

  /** The material for the identifier's own trust domain, or undefined when it is not configured. */
  lookup(id: WorkloadId): TrustMaterial | undefined {
    const state = this.byOrigin.get(`${id.scheme}://${id.trustDomain}`) ?? this.byName.get(id.trustDomain);
    return state?.get();
  }

  /** Every configured source, for ready() and close(). */
  domains(): TrustDomainConfig[] {
    return [...new Set([...this.byOrigin.values(), ...this.byName.values()])].map((s) => s.config);
  }
}
