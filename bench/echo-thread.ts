/**
 * "echo": a server with the decision thread's shape and no decision. The gRPC thread registers
 * Check with raw bytes, collects the calls of one event-loop turn into a batch and posts it to a
 * worker (bench/echo-worker.ts), which decodes each request and answers a pre-encoded OK. Beside
 * the no-op baseline it shows what the hop between two threads costs by itself (bench/probe.ts;
 * docs/performance.md). Not a target server; built JavaScript only (`npm run bench` builds it).
 */
import { Worker } from "node:worker_threads";
import { Server, type ServerUnaryCall, ServerCredentials, type sendUnaryData } from "@grpc/grpc-js";
import { RAW_AUTHORIZATION } from "../src/server/grpc-server.js";
import type { EchoAnswers } from "./echo-worker.js";
import type { StartedServer } from "./servers.js";

export async function startEchoThread(): Promise<StartedServer> {
  const worker = new Worker(new URL("./echo-worker.js", import.meta.url));
  const pending = new Map<number, sendUnaryData<Buffer>>();
  let nextId = 0;
  let ids: number[] = [];
  let requests: Buffer[] = [];
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    worker.postMessage({ ids, requests });
    ids = [];
    requests = [];
  };
  worker.on("message", (m: EchoAnswers) => {
    for (let i = 0; i < m.ids.length; i++) {
      const done = pending.get(m.ids[i] as number);
      pending.delete(m.ids[i] as number);
      const r = m.responses[i] as Uint8Array;
      done?.(null, Buffer.from(r.buffer, r.byteOffset, r.byteLength));
    }
  });
  const server = new Server();
  server.addService(RAW_AUTHORIZATION, {
    check(call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) {
      const id = nextId++;
      pending.set(id, callback);
      ids.push(id);
      requests.push(call.request);
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  return {
    address: `127.0.0.1:${port}`,
    stop: async () => {
      await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
      await worker.terminate();
    },
  };
}
