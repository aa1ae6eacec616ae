/**
 * Builds the sources of one trust domain from file paths and URLs, the shape a YAML
 * configuration naturally has. Bundles: a PEM or SPIFFE JSON file (watched) or an HTTPS endpoint.
 * Intermediates: a PEM file (watched). CRLs: files and URLs, signature-checked against the
 * domain's bundle and intermediates.
 */
import { fileBundle } from "./bundle/file.js";
import { httpsBundle } from "./bundle/https.js";
import type { BundleSource } from "./bundle/types.js";
import type { TrustDomainConfig } from "./config.js";
import { crlSource } from "./revocation/source.js";

export interface TrustDomainSpec {
  /** Bundle file (.json: SPIFFE bundle JSON, otherwise PEM). */
  bundleFile?: string;
  /** SPIFFE bundle endpoint (https only). */
  bundleUrl?: string;
  /** PEM CA pinned for bundleUrl and https CRL URLs. */
  endpointCa?: string;
  intermediatesFile?: string;
  crlFiles?: string[];
  crlUrls?: string[];
  /** Watch files for changes. Default true. */
  watch?: boolean;
}

/** Throws an Error naming the problem when the spec has neither or both bundle forms. */
export function trustDomainSources(spec: TrustDomainSpec): TrustDomainConfig {
  if ((spec.bundleFile === undefined) === (spec.bundleUrl === undefined)) {
    throw new Error("a trust domain needs exactly one of bundleFile and bundleUrl");
  }
  const watch = spec.watch ?? true;
  const bundles: BundleSource = spec.bundleFile
    ? fileBundle(spec.bundleFile, { watch })
    : httpsBundle(spec.bundleUrl as string, { ca: spec.endpointCa });
  const intermediates = spec.intermediatesFile
    ? fileBundle(spec.intermediatesFile, { watch, format: "pem" })
    : undefined;
  const hasCrls = (spec.crlFiles?.length ?? 0) + (spec.crlUrls?.length ?? 0) > 0;
  const crls = hasCrls
    ? crlSource({
        files: spec.crlFiles,
        urls: spec.crlUrls,
        issuers: intermediates ? [bundles, intermediates] : [bundles],
        ca: spec.endpointCa,
        watch,
      })
    : undefined;
  return { bundles, intermediates, crls };
}
