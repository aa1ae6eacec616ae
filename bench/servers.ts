/**
 * The servers under test, each in its own child process (bench/server-main.ts; the load generator
 * gets its own process, as Envoy would be): "baseline", a no-op Authorization/Check server from the
 * same generated code answering OK at once; "ours", the real service as `serve` runs it (default
 * policy, the bench trust files, audit lines written to a file); "ours-inline", the same with
 * decision.thread false; and, for bench/probe.ts only, "ours-hop" (the decision thread without
 * decision.inline_when_idle: every Check crosses over) and "echo" (bench/echo-thread.ts).
 */
import { type ChildProcess, fork } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { constants, monitorEventLoopDelay, PerformanceObserver } from "node:perf_hooks";
import { type ChannelOptions, Server, ServerCredentials } from "@grpc/grpc-js";
import { loadConfig } from "../src/config/load.js";
import type { Config, TrustDomainEntry } from "../src/config/types.js";
import { AuthorizationService, type CheckResponse } from "../src/gen/envoy/service/auth/v3/external_auth.js";
import { createIdentityRuntime } from "../src/server/runtime/identity.js";
import { LATENCY_NODE_FLAGS } from "../src/server/node-flags.js";
import { createPolicyRuntime } from "../src/server/runtime/policy.js";
import { type RunningService, startService, startThreadedService } from "../src/server/service.js";

/**
 * "ours": the service as `serve` runs it (decision thread, lone Checks decided inline while it is
 * idle); "ours-inline": decision.thread false; probe only: "ours-hop", decision.inline_when_idle
 * false, and "echo", the thread hop without a decision (bench/echo-thread.ts).
 */
export type ServerKind = "baseline" | "ours" | "ours-inline" | "ours-hop" | "echo";

const KINDS: readonly string[] = ["baseline", "ours", "ours-inline", "ours-hop", "echo"];

export function isServerKind(s: string): s is ServerKind {
  return KINDS.includes(s);
}

/** The server process's entry, next to this module (.js when built, .ts when run from source). */
const SERVER_ENTRY = new URL(
  `./server-main${import.meta.url.endsWith(".ts") ? ".ts" : ".js"}`,
  import.meta.url,
);

export interface ServerSetup {
  trustDomains: TrustDomainEntry[];
  trustedProxies: string[];
  policyDir: string;
  auditFile: string;
}

interface ReadyMessage {
  address: string;
}

/** Child side: starts the server, reports its address to the parent, runs until disconnected. */
export async function serveChild(kind: ServerKind, setupFile: string): Promise<void> {
  const setup = JSON.parse(readFileSync(setupFile, "utf8")) as ServerSetup;
  const { address } =
    kind === "baseline"
      ? await startBaseline()
      : kind === "echo"
        ? await (await import("./echo-thread.js")).startEchoThread()
        : await startOurs(setup, {}, kind !== "ours-inline", kind !== "ours-hop");
  process.send?.({ address } satisfies ReadyMessage);
  const pauses = pauseRecorder();
  // The parent asks for the memory breakdown (heap, external, array buffers incl. Wasm memory).
  process.on("message", (m: unknown) => {
    if (m === "memory") process.send?.({ memory: process.memoryUsage() } satisfies MemoryMessage);
    if (m === "cpu") process.send?.({ cpu: process.cpuUsage() } satisfies CpuMessage);
    if (m === "threads") process.send?.({ threads: threadCpuUs() } satisfies ThreadsMessage);
    // What stalled this process's main thread since the last ask (bench/probe.ts, per window).
    if (m === "pauses") process.send?.({ pauses: pauses.take() } satisfies PausesMessage);
    // Only when started with --expose-gc (the soak, after its load): what survives a full GC.
    if (m === "memory-after-gc") {
      (globalThis as { gc?: () => void }).gc?.();
      process.send?.({ memory: process.memoryUsage() } satisfies MemoryMessage);
    }
  });
  process.on("disconnect", () => process.exit(0));
}

interface MemoryMessage {
  memory: NodeJS.MemoryUsage;
}

interface CpuMessage {
  cpu: NodeJS.CpuUsage;
}

interface ThreadsMessage {
  threads: Record<string, number>;
}

interface PausesMessage {
  pauses: Pauses;
}

/**
 * The main thread's stalls over a window: its garbage collections by kind (durations in ms, from
 * the "gc" performance entries: scavenges, mark-compacts, incremental marking steps, weak
 * callbacks) and its event-loop delay (perf_hooks.monitorEventLoopDelay, 1 ms resolution).
 */
export interface Pauses {
  gc: Record<string, number[]>;
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
}

const GC_KINDS: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: "scavenge",
  [constants.NODE_PERFORMANCE_GC_MAJOR]: "mark-compact",
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: "incremental",
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: "weak-callbacks",
};

function pauseRecorder(): { take(): Pauses } {
  let gc: Record<string, number[]> = {};
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = GC_KINDS[(e as { detail?: { kind?: number } }).detail?.kind ?? -1] ?? "other";
      const durations = gc[kind] ?? [];
      durations.push(e.duration);
      gc[kind] = durations;
    }
  }).observe({ entryTypes: ["gc"] });
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  return {
    take() {
      const out = {
        gc,
        loopDelayP99Ms: delay.percentile(99) / 1e6,
        loopDelayMaxMs: delay.max / 1e6,
      };
      gc = {};
      delay.reset();
      return out;
    },
  };
}

/**
 * CPU time so far of each thread of this process, in µs, keyed "name#tid" (Linux /proc; empty
 * elsewhere). utime and stime are fields 14 and 15 of /proc/<pid>/task/<tid>/stat, in clock ticks
 * (100 per second on Linux).
 */
function threadCpuUs(): Record<string, number> {
  const out: Record<string, number> = {};
  try {
    for (const tid of readdirSync("/proc/self/task")) {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, "utf8");
      const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      out[`${name}#${tid}`] = (Number(fields[11]) + Number(fields[12])) * 10_000;
    }
  } catch {
    // Not Linux: no per-thread figures.
  }
  return out;
}

const OK: CheckResponse = { status: { code: 0, message: "", details: [] }, okResponse: undefined };

export interface StartedServer {
  address: string;
  stop(): Promise<void>;
}

/** The no-op baseline: same generated service definition, answers OK at once. */
export async function startBaseline(grpcOptions: ChannelOptions = {}): Promise<StartedServer> {
  const server = new Server(grpcOptions);
  server.addService(AuthorizationService, {
    check(_call: unknown, callback: (err: null, res: CheckResponse) => void) {
      callback(null, OK);
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  return {
    address: `127.0.0.1:${port}`,
    stop: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
}

/**
 * The identity runtime as `serve` builds it, over the bench's trust files, loaded once. Throws when
 * the trust files do not load (a bench must never measure a service that denies everything).
 */
export async function loadIdentityRuntime(
  identity: Config["identity"],
  trust: Pick<ServerSetup, "trustDomains" | "trustedProxies">,
  log: (line: string) => void,
) {
  const { trustDomains, trustedProxies } = trust;
  const runtime = createIdentityRuntime({ identity, trustDomains, trustedProxies, log });
  const loaded = await runtime.reload?.();
  if (loaded && !loaded.ok) throw new Error(`bench: trust files did not load: ${loaded.error}`);
  return runtime;
}

/** The policy runtime as `serve` builds it; throws when the policy does not load. */
export async function loadPolicyRuntime(policy: Config["policy"], log: (line: string) => void) {
  const runtime = await createPolicyRuntime(policy, log);
  if (!runtime.ready) throw new Error("bench: the default policy did not load");
  return runtime;
}

/**
 * Our service as `serve` runs it: with `thread` (the default, decision.thread), the decision thread
 * builds the runtimes from the configuration; without, startService over runtimes loaded here.
 * Either way the trust files and the policy must load (checked), or the bench would measure a
 * service that denies everything.
 */
export async function startOurs(
  setup: ServerSetup,
  grpcOptions: ChannelOptions = {},
  thread = true,
  inlineWhenIdle = true,
): Promise<StartedServer> {
  const loaded = loadConfig({
    env: {},
    flags: [
      ["--listen-address", "127.0.0.1:0"],
      ["--metrics-address", "127.0.0.1:0"],
      ["--policy-dir", setup.policyDir],
      ["--audit-output", setup.auditFile],
    ],
  });
  const config: Config = {
    ...loaded,
    identity: { ...loaded.identity, trustDomains: setup.trustDomains, trustedProxies: setup.trustedProxies },
    decision: { ...loaded.decision, thread, inlineWhenIdle },
  };
  const log = (line: string) => process.stderr.write(`[ours] ${line}\n`);
  let service: RunningService;
  if (thread) {
    service = await startThreadedService(config, { log, grpcOptions });
    const state = service.state();
    if (!state.identityReady) throw new Error("bench: trust files did not load");
    if (!state.policyReady) throw new Error("bench: the default policy did not load");
  } else {
    const identity = await loadIdentityRuntime(config.identity, setup, log);
    const policy = await loadPolicyRuntime(config.policy, log);
    service = await startService(config, { identity, policy }, { log, grpcOptions });
  }
  return { address: service.grpcAddress, stop: () => service.stop() };
}

export interface ServerProcess {
  address: string;
  child: ChildProcess;
  /** Resident set size of the server process in bytes (from /proc; undefined elsewhere). */
  rssBytes(): number | undefined;
  /**
   * The server's process.memoryUsage() (undefined if it does not answer within 2 s); afterGc: after
   * a full GC, when the server was spawned with exposeGc.
   */
  memory(afterGc?: boolean): Promise<NodeJS.MemoryUsage | undefined>;
  /** The server process's CPU time so far (all threads), in µs. */
  cpuUs(): Promise<number>;
  /** Each thread's CPU time so far, in µs, keyed "name#tid" (Linux; empty elsewhere or without an answer). */
  threadsCpuUs(): Promise<Record<string, number>>;
  /** The main thread's stalls since the last call (undefined without an answer). */
  pauses(): Promise<Pauses | undefined>;
  stop(): Promise<void>;
}

/**
 * --server-node-flags: "default" (the flags `serve` runs with, LATENCY_NODE_FLAGS), "none" (V8's
 * defaults), or flags separated by spaces. Every server gets the same ones, the no-op baseline
 * included, so that the ratios measure the service, not a V8 setting.
 */
export function parseServerNodeFlags(text: string): string[] {
  if (text === "default") return [...LATENCY_NODE_FLAGS];
  if (text === "none") return [];
  const flags = text.split(/\s+/).filter((f) => f !== "");
  const bad = flags.find((f) => !f.startsWith("--"));
  if (bad !== undefined) throw new Error(`bench: --server-node-flags: ${bad} is not a node flag`);
  return flags;
}

/** Parent side: forks bench/server-main.ts for `kind` and waits for its address. */
export function spawnServer(
  kind: ServerKind,
  setupFile: string,
  opts: { exposeGc?: boolean; nodeFlags?: readonly string[] } = {},
): Promise<ServerProcess> {
  const child = fork(SERVER_ENTRY, [kind, setupFile], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    execArgv: [
      ...process.execArgv,
      ...(opts.nodeFlags ?? LATENCY_NODE_FLAGS),
      ...(opts.exposeGc ? ["--expose-gc"] : []),
    ],
  });
  /** Sends `request` and waits up to 2 s for the child's message carrying `key` (undefined: no answer). */
  const ask = <K extends string>(request: string, key: K): Promise<Record<K, unknown> | undefined> =>
    new Promise((done) => {
      const timer = setTimeout(() => {
        child.off("message", onMessage);
        done(undefined);
      }, 2000);
      const onMessage = (msg: unknown) => {
        if (typeof msg !== "object" || msg === null || !(key in msg)) return;
        clearTimeout(timer);
        child.off("message", onMessage);
        done(msg as Record<K, unknown>);
      };
      child.on("message", onMessage);
      child.send(request);
    });
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) =>
      reject(new Error(`bench: ${kind} server exited (${code}) before ready`));
    child.once("exit", onExit);
    child.once("message", (m: ReadyMessage) => {
      child.off("exit", onExit);
      resolve({
        address: m.address,
        child,
        rssBytes: () => rssOf(child.pid),
        memory: async (afterGc = false) =>
          ((await ask(afterGc ? "memory-after-gc" : "memory", "memory")) as MemoryMessage | undefined)
            ?.memory,
        cpuUs: async () => {
          const r = (await ask("cpu", "cpu")) as CpuMessage | undefined;
          if (!r) throw new Error(`bench: the ${kind} server did not report its CPU time`);
          return r.cpu.user + r.cpu.system;
        },
        threadsCpuUs: async () =>
          ((await ask("threads", "threads")) as ThreadsMessage | undefined)?.threads ?? {},
        pauses: async () => ((await ask("pauses", "pauses")) as PausesMessage | undefined)?.pauses,
        stop: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null) return done();
            child.once("exit", () => done());
            child.disconnect();
          }),
      });
    });
  });
}

function rssOf(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(join("/proc", String(pid), "status"), "utf8"));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}
