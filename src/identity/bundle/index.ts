/** Trust bundle sources: one per trust domain, static, watched file or HTTPS endpoint. */
export { fileBundle, type FileBundleOptions } from "./file.js";
export { httpsBundle, type HttpsBundleOptions } from "./https.js";
export { type BundleFormat, formatForPath, parseBundleContent } from "./parse.js";
export {
  formatSpiffeBundle,
  parseSpiffeBundle,
  type SpiffeBundle,
  type SpiffeBundleResult,
} from "./spiffe-json.js";
export { staticBundle } from "./static.js";
export { BundleError, type BundleErrorCode, type BundleSource, type X509Bundle } from "./types.js";
