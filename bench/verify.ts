/** Before measuring: each bench request once, checked against the answer it must get. */
import { credentials, type ServiceError } from "@grpc/grpc-js";
import { AuthorizationClient, type CheckResponse } from "../src/gen/envoy/service/auth/v3/external_auth.js";
import type { ServerKind } from "./servers.js";
import type { BenchRequest } from "./workload.js";

/** Every request once: ours must allow exactly the expected ones, the baseline (and echo) allow all. */
export async function verifyAnswers(
  client: AuthorizationClient,
  kind: ServerKind,
  requests: BenchRequest[],
): Promise<void> {
  for (const [i, r] of requests.entries()) {
    const res = await new Promise<CheckResponse>((ok, fail) =>
      client.check(r.request, (err: ServiceError | null, v?: CheckResponse) =>
        err || !v ? fail(err ?? new Error("no response")) : ok(v),
      ),
    );
    const allowed = res.status?.code === 0;
    const expected = kind === "baseline" || kind === "echo" ? true : r.expectAllowed;
    if (allowed !== expected) {
      throw new Error(
        `bench: ${kind} answered request ${i} with status ${res.status?.code} (${res.deniedResponse?.body ?? ""}), expected ${expected ? "allow" : "deny"}`,
      );
    }
  }
}

/** verifyAnswers over a client of its own to the server at `address`. */
export async function verifyServer(
  address: string,
  kind: ServerKind,
  requests: BenchRequest[],
): Promise<void> {
  const client = new AuthorizationClient(address, credentials.createInsecure());
  try {
    await verifyAnswers(client, kind, requests);
  } finally {
    client.close();
  }
}
