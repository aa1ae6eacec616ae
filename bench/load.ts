/**
 * The load clients: pre-encoded requests and the Check caller over grpc-js or the lean h2 client.
 * The load shapes themselves are in bench/loops.ts.
 */
import { Client, credentials, type ServiceError } from "@grpc/grpc-js";
import { AuthorizationService, CheckRequest } from "../src/gen/envoy/service/auth/v3/external_auth.js";
import { h2LoadClient } from "./h2-client.js";
import type { CallFn } from "./loops.js";

/** Requests encoded once, so that the generator spends its time on calls, not on protobuf encoding. */
export function encodeRequests(requests: readonly CheckRequest[]): Buffer[] {
  return requests.map((r) => Buffer.from(CheckRequest.encode(r).finish()));
}

/**
 * Check over a plain grpc-js Client with pre-encoded requests; the response is not decoded (a
 * call counts as successful when its gRPC status is OK; the answers were verified beforehand).
 */
export function rawCheckCaller(client: Client): CallFn<Buffer> {
  const path = AuthorizationService.check.path;
  const same = (b: Buffer) => b;
  return (req, done) =>
    client.makeUnaryRequest(path, same, same, req, (err: ServiceError | null) => done(err === null));
}

/** Which client the generator drives the servers with (both servers always get the same one). */
export type ClientKind = "h2" | "grpc-js";

export interface LoadClient {
  call: CallFn<Buffer>;
  /** The requests in the form `call` takes (protobuf, framed for h2). */
  bodies: Buffer[];
  close(): void;
}

/**
 * A Check caller over one connection to `address`: "h2" (default: the lean node:http2 client,
 * bench/h2-client.ts) or "grpc-js" (a grpc-js Client with pre-encoded requests).
 */
export async function openLoadClient(
  kind: ClientKind,
  address: string,
  encoded: readonly Buffer[],
): Promise<LoadClient> {
  if (kind === "h2") return h2LoadClient(address, AuthorizationService.check.path, encoded);
  const client = new Client(address, credentials.createInsecure());
  return { call: rawCheckCaller(client), bodies: [...encoded], close: () => client.close() };
}
