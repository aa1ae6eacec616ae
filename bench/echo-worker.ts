/**
 * The echo server's thread (bench/echo-thread.ts): decodes each request of a batch and answers the
 * same pre-encoded OK. No decision: what is left is the cost of the thread hop.
 */
import { parentPort } from "node:worker_threads";
import { CheckRequest, CheckResponse } from "../src/gen/envoy/service/auth/v3/external_auth.js";

export interface EchoBatch {
  ids: number[];
  requests: Uint8Array[];
}

export interface EchoAnswers {
  ids: number[];
  responses: Uint8Array[];
}

const OK = CheckResponse.encode({ status: { code: 0, message: "", details: [] } }).finish();

parentPort?.on("message", (m: EchoBatch) => {
  const responses = m.requests.map((r) => {
    CheckRequest.decode(r);
    return OK;
  });
  parentPort?.postMessage({ ids: m.ids, responses } satisfies EchoAnswers);
});
