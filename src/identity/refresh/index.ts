/** Shared machinery of refreshing sources (trust bundles, CRLs, WIT keys). */
export { FetchError, type FetchOptions, fetchBody } from "./fetch.js";
export { poll } from "./poll.js";
export { SourceState } from "./state.js";
export { type Closable, type WatchFileOptions, watchFile } from "./watch-file.js";
