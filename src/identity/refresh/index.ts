/** Shared machinery of refreshing sources (trust bundles, CRLs, WIT keys). */
export { FetchError, type FetchOptions, fetchBody, fetchBodyOr } from "./fetch.js";
export { poll } from "./poll.js";
export { pollByRefreshHint, type RefreshHintOptions } from "./refresh-hint.js";
export { type Source, SourceBase } from "./source.js";
export { SourceState } from "./state.js";
export {
  type Versioned,
  type VersionedErrorKind,
  type VersionedRules,
  VersionedSource,
  type VersionedValue,
} from "./versioned.js";
export { type Closable, type WatchFileOptions, watchFile } from "./watch-file.js";
