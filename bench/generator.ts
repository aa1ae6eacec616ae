/**
 * The load generator in its own lean process, as Envoy would be: it holds only the clients and the
 * pre-encoded requests, and runs the closed and open loops the parent asks for, sending back the
 * recorded latencies. Running it in the orchestrating process (which also holds the demo PKI, the
 * workload and every module the component measurements load) gave it a large heap whose
 * mark-compact pauses (20-50 ms) and scavenges (10-20 ms: node:http2 keeps each stream's objects
 * alive across scavenges) stalled the load, and every stall reached the servers as a burst.
 *
 * The child runs with a 2 MB semi-space (GENERATOR_NODE_FLAGS): node:http2's per-stream objects
 * survive scavenges until a mark-compact, so a scavenge costs in proportion to the young
 * generation; a small one makes each pause ~2-3 ms instead of 10-20 ms (measured: bench/README.md).
 * The same generator drives both servers.
 */
import { type ChildProcess, fork } from "node:child_process";
import { type ClientKind, closedLoop, type LoadClient, openLoadClient, openLoop } from "./load.js";
import { Samples } from "./stats.js";

export const GENERATOR_NODE_FLAGS = ["--max-semi-space-size=2"];

type Command =
  | { op: "connect"; client: ClientKind; addresses: string[]; bodies: string[] }
  | { op: "closed"; server: number; inFlight: number; warmupMs: number; durationMs: number }
  | { op: "open"; server: number; rps: number; warmupMs: number; durationMs: number };

export interface WindowResult {
  samples: number[];
  errors: number;
  maxLagMs: number;
}

type Reply = { ok: true; result?: WindowResult } | { ok: false; error: string };

/** Child side: serves commands until disconnected. */
export function generatorChild(): void {
  let clients: LoadClient[] = [];
  const run = async (c: Command): Promise<WindowResult | undefined> => {
    if (c.op === "connect") {
      const encoded = c.bodies.map((b) => Buffer.from(b, "base64"));
      for (const address of c.addresses) clients.push(await openLoadClient(c.client, address, encoded));
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
  connect(client: ClientKind, addresses: string[], encoded: readonly Buffer[]): Promise<void>;
  closed(
    server: number,
    o: { inFlight: number; warmupMs: number; durationMs: number },
  ): Promise<WindowResult>;
  open(server: number, o: { rps: number; warmupMs: number; durationMs: number }): Promise<WindowResult>;
  stop(): Promise<void>;
}

/** Parent side: forks `script --generate` and talks to it, one command at a time. */
export function startGenerator(script: string): Generator {
  const child: ChildProcess = fork(script, ["--generate"], {
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
    connect: async (client, addresses, encoded) => {
      await ask({ op: "connect", client, addresses, bodies: encoded.map((b) => b.toString("base64")) });
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
