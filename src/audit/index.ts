export { type AuditDecision, type AuditRecord, formatRecord, safeText } from "./record.js";
export { type AuditSink, type AuditSinkOptions, openAuditSink, StreamSink } from "./sink.js";
