/**
 * RFC 5280 §6 path validation with path building. From the leaf, issuers are looked up by name
 * among the anchors first, then among the presented and configured intermediates (AKI/SKI
 * agreement only orders the candidates); each candidate is pruned early by signature, validity
 * and profile checks, and complete paths get the path-wide checks (pathLenConstraint, name
 * constraints, revocation). The search is depth-first, cycle-free and bounded; the reported
 * failure is the one found deepest in the search.
 */
import type { ParsedCert } from "./cert.js";
import { bytesEqual } from "./der.js";
import { checkLeafEku, type EkuMode } from "./eku.js";
import { X509Error, type X509ErrorCode, asX509Error } from "./errors.js";
import { KU, type KeyUsageName } from "./extensions.js";
import { checkConstraintForms, checkNameConstraints } from "./name-constraints.js";
import { CertPool, toPool } from "./pool.js";
import { type CertRole, hasKu, profileError } from "./profile.js";
import { checkRevocation, type RevocationOptions } from "./revocation.js";
import { verifySignature } from "./signature.js";

export interface VerifyPathRequest {
  leaf: ParsedCert;
  /**
   * Intermediates presented by the peer, in any order; duplicates are fine. More than
   * MAX_PRESENTED_INTERMEDIATES in an array is rejected as x509_chain_too_long before any work.
   */
  intermediates: readonly ParsedCert[] | CertPool;
  /** Intermediates from configuration (not counted against the presented limit). */
  configuredIntermediates?: readonly ParsedCert[] | CertPool;
  /** Trust anchors (of the identifier's own trust domain: the caller chooses them). */
  anchors: readonly ParsedCert[] | CertPool;
  /** Validation time. */
  time: Date;
  /** Maximum number of intermediates between leaf and anchor (default 8). */
  maxDepth?: number;
  /** Leaf EKU rule (default "clientAuth-if-present"). */
  eku?: EkuMode;
  /**
   * Key usages the leaf must assert; `mustBePresent` also requires the extension. With
   * eku "spiffe-strict" and no keyUsage given, X509-SVID's rule applies: keyUsage present with
   * digitalSignature.
   */
  keyUsage?: { required: KeyUsageName[]; mustBePresent?: boolean };
  revocation?: RevocationOptions;
  /** Accept a CA certificate as the leaf (RFC 5280 allows it; WIMSE does not). Default false. */
  allowCaLeaf?: boolean;
  /** Upper bound on signature verifications during the search (default 64). */
  maxSignatureChecks?: number;
}

export type PathResult =
  | {
      ok: true;
      /** Leaf first, anchor last. */
      chain: ParsedCert[];
      anchor: ParsedCert;
    }
  | { ok: false; code: X509ErrorCode; message: string };

/** More presented intermediates than this is an absurd chain, rejected before any work. */
export const MAX_PRESENTED_INTERMEDIATES = 32;
export const DEFAULT_MAX_DEPTH = 8;

export function checkValidity(cert: ParsedCert, time: Date): void {
  const t = time.getTime();
  if (!Number.isFinite(t)) throw new X509Error("x509_malformed", "validation time is not a valid date");
  if (t < cert.notBefore.getTime()) {
    throw new X509Error(
      "x509_not_yet_valid",
      `${cert.subject.text || "certificate"} is not valid before ${cert.notBefore.toISOString()}`,
    );
  }
  if (t > cert.notAfter.getTime()) {
    throw new X509Error(
      "x509_expired",
      `${cert.subject.text || "certificate"} expired at ${cert.notAfter.toISOString()}`,
    );
  }
}

function checkLeafKeyUsage(leaf: ParsedCert, req: VerifyPathRequest["keyUsage"]): void {
  if (!req) return;
  if (leaf.keyUsage === undefined) {
    if (req.mustBePresent) throw new X509Error("x509_leaf_keyusage", "leaf has no keyUsage extension");
    return;
  }
  for (const name of req.required) {
    if (!hasKu(leaf, KU[name])) throw new X509Error("x509_leaf_keyusage", `leaf keyUsage lacks ${name}`);
  }
}

/** Issuer key checks and the signature of `child` by `issuer`, memoised on the child. */
function signatureError(child: ParsedCert, issuer: ParsedCert): X509Error | undefined {
  if (child.signatureAlgorithm instanceof X509Error) return child.signatureAlgorithm;
  if (issuer.publicKey instanceof X509Error) return issuer.publicKey;
  let ok = child.verifiedBy.get(issuer.sha256);
  if (ok === undefined) {
    ok = verifySignature(child.signatureAlgorithm, issuer.publicKey, child.tbs, child.signature);
    child.verifiedBy.set(issuer.sha256, ok);
  }
  return ok
    ? undefined
    : new X509Error(
        "x509_bad_signature",
        `signature of ${child.subject.text || "certificate"} does not verify with the key of ${issuer.subject.text}`,
      );
}

/** pathLenConstraint (§4.2.1.9): self-issued intermediates and the leaf do not count. */
function checkPathLen(chain: readonly ParsedCert[]): void {
  for (let k = 1; k < chain.length; k++) {
    const pathLen = (chain[k] as ParsedCert).basicConstraints?.pathLen;
    if (pathLen === undefined) continue;
    let below = 0;
    for (let j = 1; j < k; j++) if (!(chain[j] as ParsedCert).selfIssued) below++;
    if (below > pathLen) {
      throw new X509Error(
        "x509_pathlen_exceeded",
        `${(chain[k] as ParsedCert).subject.text} allows ${pathLen} intermediates below it, path has ${below}`,
      );
    }
  }
}

/** Name constraints of every CA apply to the certificates below it (§6.1.3(b)(c)). */
function checkPathNames(chain: readonly ParsedCert[]): void {
  for (let k = 1; k < chain.length; k++) checkConstraintForms(chain[k] as ParsedCert);
  for (let j = 0; j < chain.length - 1; j++) {
    const cert = chain[j] as ParsedCert;
    // Self-issued intermediates are exempt unless final (§6.1.3(b)).
    if (j > 0 && cert.selfIssued) continue;
    checkNameConstraints(cert, chain.slice(j + 1));
  }
}

class Search {
  best: { depth: number; error: X509Error } | undefined;
  checksLeft: number;
  readonly anchors: CertPool;
  readonly intermediates: CertPool[];

  constructor(readonly req: VerifyPathRequest) {
    this.anchors = toPool(req.anchors);
    this.intermediates = [toPool(req.intermediates)];
    if (req.configuredIntermediates) this.intermediates.push(toPool(req.configuredIntermediates));
    this.checksLeft = req.maxSignatureChecks ?? 64;
  }

  note(depth: number, error: X509Error): void {
    if (!this.best || depth > this.best.depth) this.best = { depth, error };
  }

  /** Why `issuer` cannot sign for the last certificate of `path` in `role`, or undefined. */
  candidateError(path: readonly ParsedCert[], issuer: ParsedCert, role: CertRole): X509Error | undefined {
    const child = path[path.length - 1] as ParsedCert;
    if (this.checksLeft <= 0)
      return new X509Error("x509_path_search_exhausted", "path search exceeded its budget");
    this.checksLeft--;
    return (
      signatureError(child, issuer) ??
      profileError(issuer, role) ??
      (() => {
        try {
          checkValidity(issuer, this.req.time);
          return undefined;
        } catch (e) {
          return asX509Error(e);
        }
      })()
    );
  }

  completeError(chain: readonly ParsedCert[]): X509Error | undefined {
    try {
      checkPathLen(chain);
      checkPathNames(chain);
      if (this.req.revocation) checkRevocation(chain, this.req.time, this.req.revocation);
      return undefined;
    } catch (e) {
      return asX509Error(e);
    }
  }

  /** Candidates whose SKI matches the child's AKI come first. */
  ordered(child: ParsedCert, list: readonly ParsedCert[]): readonly ParsedCert[] {
    const aki = child.authorityKeyId?.keyId;
    if (!aki || list.length < 2) return list;
    const match = (c: ParsedCert) =>
      c.subjectKeyId !== undefined && bytesEqual(c.subjectKeyId, aki) ? 0 : 1;
    return [...list].sort((a, b) => match(a) - match(b));
  }

  extend(path: ParsedCert[]): PathResult | undefined {
    const child = path[path.length - 1] as ParsedCert;
    const depth = path.length;
    const anchors = this.ordered(child, this.anchors.issuersOf(child));
    const found = this.intermediates.flatMap((p) => p.issuersOf(child));
    const inters = this.ordered(
      child,
      found.filter((c, i) => found.findIndex((d) => d.sha256 === c.sha256) === i),
    );
    if (anchors.length === 0 && inters.length === 0) {
      this.note(
        depth,
        new X509Error(
          "x509_unknown_issuer",
          `no issuer found for ${child.subject.text || "certificate"} (issuer ${child.issuer.text})`,
        ),
      );
      return undefined;
    }
    for (const anchor of anchors) {
      if (path.some((c) => c.sha256 === anchor.sha256) && depth > 1) continue;
      const err = this.candidateError(path, anchor, "anchor");
      if (err) {
        this.note(depth, err);
        continue;
      }
      const chain = [...path, anchor];
      const complete = this.completeError(chain);
      if (complete) {
        this.note(depth + 1, complete);
        continue;
      }
      return { ok: true, chain, anchor };
    }
    const maxDepth = this.req.maxDepth ?? DEFAULT_MAX_DEPTH;
    for (const inter of inters) {
      // Cycle protection: never the same certificate, nor the same name and key, twice.
      if (
        path.some(
          (c) =>
            c.sha256 === inter.sha256 ||
            (bytesEqual(c.subject.raw, inter.subject.raw) && bytesEqual(c.spki, inter.spki)),
        )
      ) {
        this.note(
          depth,
          new X509Error("x509_unknown_issuer", `only a cycle leads on from ${child.subject.text}`),
        );
        continue;
      }
      if (depth - 1 >= maxDepth) {
        this.note(depth, new X509Error("x509_chain_too_long", `path would exceed ${maxDepth} intermediates`));
        continue;
      }
      const err = this.candidateError(path, inter, "intermediate");
      if (err) {
        this.note(depth, err);
        continue;
      }
      path.push(inter);
      const result = this.extend(path);
      path.pop();
      if (result) return result;
    }
    return undefined;
  }
}

/** Validates a path from `leaf` to one of `anchors`. Never throws. */
export function verifyPath(req: VerifyPathRequest): PathResult {
  try {
    const presented =
      req.intermediates instanceof CertPool ? req.intermediates.size : req.intermediates.length;
    if (presented > MAX_PRESENTED_INTERMEDIATES && !(req.intermediates instanceof CertPool)) {
      return {
        ok: false,
        code: "x509_chain_too_long",
        message: `${presented} intermediates presented (limit ${MAX_PRESENTED_INTERMEDIATES})`,
      };
    }
    // Options come from configuration: anything out of range fails closed instead of disabling a check.
    if (!(req.time instanceof Date) || !Number.isFinite(req.time.getTime())) {
      return { ok: false, code: "x509_malformed", message: "validation time is not a valid date" };
    }
    for (const [name, v] of [
      ["maxDepth", req.maxDepth],
      ["maxSignatureChecks", req.maxSignatureChecks],
    ] as const) {
      if (v !== undefined && !(Number.isInteger(v) && v >= 0)) {
        return { ok: false, code: "x509_malformed", message: `${name} must be a non-negative integer` };
      }
    }
    const leaf = req.leaf;
    const leafErr = profileError(leaf, "leaf", { allowCaLeaf: req.allowCaLeaf === true });
    if (leafErr) throw leafErr;
    checkValidity(leaf, req.time);
    checkLeafEku(leaf, req.eku);
    const spiffeKu =
      req.eku === "spiffe-strict"
        ? { required: ["digitalSignature" as const], mustBePresent: true }
        : undefined;
    checkLeafKeyUsage(leaf, req.keyUsage ?? spiffeKu);
    const search = new Search(req);
    const found = search.extend([leaf]);
    if (found) return found;
    const e = search.best?.error ?? new X509Error("x509_unknown_issuer", "no path to a trust anchor");
    return { ok: false, code: e.code, message: e.message };
  } catch (e) {
    const err = asX509Error(e);
    return { ok: false, code: err.code, message: err.message };
  }
}
