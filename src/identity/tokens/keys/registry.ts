/**
 * The WIT keys of every configured trust domain. A WIT is verified only with the keys of the trust
 * domain of its `sub` (looked up by origin "scheme://td" first, then by bare name), chosen by `kid`:
 * a key of another trust domain can never verify it.
 */
import type { WorkloadId } from "../../types.js";
import { isSpec, type TokenTrustDomainConfig } from "../config.js";
import { witKeySourceFromSpec } from "./sources.js";
import type { WitKey, WitKeySource } from "./types.js";

interface DomainKeys {
  readonly sources: readonly WitKeySource[];
  readonly issuers?: ReadonlySet<string>;
}

export type KeyLookup =
  | { ok: true; key: WitKey; issuers?: ReadonlySet<string> }
  | { ok: false; reason: "unknown_trust_domain" | "keys_unavailable" | "unknown_kid" };

export class WitKeyRegistry {
  private readonly domains = new Map<string, DomainKeys>();
  /** Sources this registry built from specs (closed by close()); injected ones belong to the caller. */
  private readonly owned: WitKeySource[] = [];

  constructor(trustDomains: Readonly<Record<string, TokenTrustDomainConfig>>) {
    for (const [name, td] of Object.entries(trustDomains)) {
      const sources = td.keys.map((k) => {
        if (!isSpec(k)) return k;
        const built = witKeySourceFromSpec(k);
        this.owned.push(built);
        return built;
      });
      const issuers = td.issuers && td.issuers.length > 0 ? new Set(td.issuers) : undefined;
      this.domains.set(name, { sources, issuers });
    }
  }

  /** The trust domain's entry for `id`, or undefined when the trust domain is not configured. */
  private domainOf(id: WorkloadId): DomainKeys | undefined {
    return this.domains.get(`${id.scheme}://${id.trustDomain}`) ?? this.domains.get(id.trustDomain);
  }

  lookup(id: WorkloadId, kid: string): KeyLookup {
    const domain = this.domainOf(id);
    if (!domain) return { ok: false, reason: "unknown_trust_domain" };
    let loaded = false;
    for (const source of domain.sources) {
      const set = source.current();
      if (!set) continue;
      loaded = true;
      const key = set.keys.get(kid);
      if (key) return { ok: true, key, issuers: domain.issuers };
    }
    return { ok: false, reason: loaded ? "unknown_kid" : "keys_unavailable" };
  }

  /** Resolves when every source has loaded once; rejects with the first source's failure. */
  async ready(): Promise<void> {
    const all = [...this.domains.values()].flatMap((d) => d.sources);
    await Promise.all(all.map((s) => s.ready()));
  }

  close(): void {
    for (const s of this.owned) s.close();
  }
}
