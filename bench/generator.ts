/**
 * The load generator in its own lean process (bench/generator-main.ts), as Envoy would be: it holds
 * only the clients and the pre-encoded requests, and runs the closed and open loops the parent asks
 * for, sending back the recorded latencies. The same generator drives every server.
 *
 * Its stalls are measured as the servers' latency, so it is kept quiet: forked from its own entry
 * (not the whole bench: ~4 MB of live heap instead of ~18 MB), with the hand-framed HTTP/2 client
 * (bench/h2-client.ts: no node:http2 stream objects for mark-compacts to free) and a 2 MB
 * semi-space (GENERATOR_NODE_FLAGS). Measured at 1000 calls/s: scavenges of 0.3-1.5 ms and no
 * mark-compact in a window, against 8-28 ms mark-compacts every few seconds with node:http2.
 */
import { type ChildProcess, fork } from "node:child_process";
import { h2LoadClient } from "./h2-client.js";
import type { ClientKind, LoadClient } from "./load.js";
import { closedLoop, openLoop } from "./loops.js";
import { Samples } from "./stats.js";

export const GENERATOR_NODE_FLAGS = ["--max-semi-space-size=2"];

type Command =
  | { op: "connect"; client: ClientKind; path: string; addresses: string[]; bodies: string[] }
  | { op: "closed"; server: number; inFlight: number; warmupMs: number; durationMs: number }
  | { op: "open"; server: number; rps: number; warmupMs: number; durationMs: number };

export interface WindowResult {
  samples: number[];
  errors: number;
  maxLagMs: number;
}

type Reply = { ok: true; result?: WindowResult } | { ok: false; error: string };

/**
 * The h2 client is opened here, so that the generator's heap holds only node:http2, the loops and
 * the requests; the grpc-js client (and the generated code its module loads) only when asked for.
 */
async function openClient(
  c: { client: ClientKind; path: string },
  address: string,
  encoded: readonly Buffer[],
): Promise<LoadClient> {
  if (c.client === "grpc-js") return (await import("./load.js")).openLoadClient("grpc-js", address, encoded);
  return h2LoadClient(address, c.path, encoded);
}

/** Child side (bench/generator-main.ts): serves commands until disconnected. */
export function generatorChild(): void {
  let clients: LoadClient[] = [];
  const run = async (c: Command): Promise<WindowResult | undefined> => {
    if (c.op === "connect") {
      const encoded = c.bodies.map((b) => Buffer.from(b, "base64"));
      for (const address of c.addresses) clients.push(await openClient(c, address, encoded));
      return undefined;
    }
    const client = clients[c.server];
    if (!client) throw new Error(`no client for server ${c.server}`);
    const samples = new Samples();
    if (c.op === "closed") {
      const r = await closedLoop(client.call, client.bodies, { ...c, samples });
      return { samples: Array.from(samples.values()), errors: r.errors, maxLagMs: 0 };
    }
    const r = await openLoop(client.call, client.bodies, { ...c, samples });
    return { samples: Array.from(samples.values()), errors: r.errors, maxLagMs: r.maxLagMs };
  };
  process.on("message", (c: Command) => {
    run(c).then(
      (result) => process.send?.({ ok: true, result } satisfies Reply),
      (e: unknown) =>
        process.send?.({ ok: false, error: e instanceof Error ? e.message : String(e) } satisfies Reply),
    );
  });
  process.on("disconnect", () => {
    for (const c of clients) c.close();
    clients = [];
    process.exit(0);
  });
}

export interface Generator {
  connect(client: ClientKind, path: string, addresses: string[], encoded: readonly Buffer[]): Promise<void>;
  closed(
    server: number,
    o: { inFlight: number; warmupMs: number; durationMs: number },
  ): Promise<WindowResult>;
  open(server: number, o: { rps: number; warmupMs: number; durationMs: number }): Promise<WindowResult>;
  stop(): Promise<void>;
}

/** The child's entry, next to this module (.js when built, .ts when run from source). */
const CHILD_ENTRY = new URL(
  `./generator-main${import.meta.url.endsWith(".ts") ? ".ts" : ".js"}`,
  import.meta.url,
);

/** Parent side: forks the generator process (bench/generator-main.ts) and talks to it, one command at a time. */
export function startGenerator(): Generator {
  const child: ChildProcess = fork(CHILD_ENTRY, [], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    // The parent's flags too (a TypeScript loader when run from source, --cpu-prof, ...).
    execArgv: [...process.execArgv, ...GENERATOR_NODE_FLAGS],
  });
  // A send to a dead child fails its command (below), never the whole process.
  child.on("error", () => {});
  const ask = (c: Command): Promise<WindowResult | undefined> =>
    new Promise((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`bench: the generator exited (${code})`));
      child.once("exit", onExit);
      child.once("message", (r: Reply) => {
        child.off("exit", onExit);
        if (r.ok) resolve(r.result);
        else reject(new Error(`bench: generator: ${r.error}`));
      });
      child.send(c, (e) => {
        if (e) {
          child.off("exit", onExit);
          reject(new Error(`bench: the generator is gone: ${e.message}`));
        }
      });
    });
  const window = async (c: Command): Promise<WindowResult> => {
    const r = await ask(c);
    if (!r) throw new Error("bench: the generator sent no result");
    return r;
  };
  return {
    connect: async (client, path, addresses, encoded) => {
      await ask({ op: "connect", client, path, addresses, bodies: encoded.map((b) => b.toString("base64")) });
    },
    closed: (server, o) => window({ op: "closed", server, ...o }),
    open: (server, o) => window({ op: "open", server, ...o }),
    stop: () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null) return done();
        child.once("exit", () => done());
        child.disconnect();
      }),
  };
}
