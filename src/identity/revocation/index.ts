/** Revocation: CRL sources per trust domain (files, HTTP URLs), signature-checked on acceptance. */
export { acceptCrls, crlBlobs } from "./accept.js";
export { type CrlSourceOptions, crlSource, staticCrls } from "./source.js";
export { CrlError, type CrlErrorCode, type CrlSet, type CrlSource } from "./types.js";
