/**
 * CheckResponse serialization for the gRPC server. The generated serializer
 * (AuthorizationService.check.responseSerialize) builds wrapper objects for every Struct, Value and
 * BoolValue and encodes into a fresh BinaryWriter; here the usual responses go through
 * CheckResponseEncoder (response-encoder.ts: same bytes, no wrappers, one exactly sized buffer),
 * and the rare shapes it leaves alone through the generated encoder with one reused writer.
 */
import { BinaryWriter } from "@bufbuild/protobuf/wire";
import { CheckResponse } from "../gen/envoy/service/auth/v3/external_auth.js";
import { CheckResponseEncoder } from "./response-encoder.js";

/** A writer that grew beyond this (a very large denial body) is dropped rather than kept. */
const MAX_KEPT_BYTES = 256 * 1024;

export function checkResponseSerializer(): (value: CheckResponse) => Buffer {
  const direct = new CheckResponseEncoder();
  let writer = new BinaryWriter();
  return (value) => {
    const fast = direct.encode(value);
    if (fast) return fast;
    let bytes: Uint8Array;
    try {
      bytes = CheckResponse.encode(value, writer).finish();
    } catch (e) {
      writer = new BinaryWriter(); // never reuse a writer left mid-message
      throw e;
    }
    if (bytes.byteLength > MAX_KEPT_BYTES) writer = new BinaryWriter();
    // finish() returned a fresh copy of exactly the written bytes: wrap it, do not copy again.
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  };
}
