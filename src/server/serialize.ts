/**
 * CheckResponse serialization for the gRPC server. The generated serializer
 * (AuthorizationService.check.responseSerialize) encodes into a fresh BinaryWriter, which starts
 * at 128 bytes and grows by doubling (each growth a new array and a copy), then copies the result
 * into a Buffer. Here one writer is reused, so its buffer is grown once to the usual response
 * size, and the Buffer is a view of the writer's (already copied) result. Same bytes.
 */
import { BinaryWriter } from "@bufbuild/protobuf/wire";
import { AuthorizationService, CheckResponse } from "../gen/envoy/service/auth/v3/external_auth.js";

/** A writer that grew beyond this (a very large denial body) is dropped rather than kept. */
const MAX_KEPT_BYTES = 256 * 1024;

export function checkResponseSerializer(): (value: CheckResponse) => Buffer {
  let writer = new BinaryWriter();
  return (value) => {
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

/** AuthorizationService with the reusing response serializer for Check. */
export function authorizationServiceDefinition(): typeof AuthorizationService {
  return {
    ...AuthorizationService,
    check: { ...AuthorizationService.check, responseSerialize: checkResponseSerializer() },
  };
}
