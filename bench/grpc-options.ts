/**
 * Which grpc-js server options move the no-op baseline and our service. For each option set, both
 * servers get THE SAME options (each in its own child process, as in `npm run bench`), are driven
 * by the same closed-loop generator over pre-encoded requests, and report, besides throughput and
 * latency, the server process's CPU time per call (process.cpuUsage in the child, over the measured
 * window): on a shared machine the CPU cost per call is far steadier than wall-clock throughput,
 * and it says directly how much work each server does per Check.
 *
 *   npx tsc -p tsconfig.bench.json && node dist-bench/bench/grpc-options.js --duration 4 --sets all
 *
 * Flags: --duration S (4) measured seconds, --warmup S (1), --in-flight N (64), --channels N (1)
 *        client channels, --sets LIST (comma-separated names below, or "all"), --repeat N (1),
 *        --audit-beside-trust (write ours' audit log into the trust files' directory, as
 *        `npm run bench` did before: shows the directory-watcher reloads it triggers),
 *        --rps N (0: off) adds an open loop at N calls/s after the closed loop (p50/p99 reported),
 *        --client-window BYTES sets grpc-node.flow_control_window on the generator's channels.
 */
import { type ChildProcess, fork } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { type ChannelOptions, Client, credentials } from "@grpc/grpc-js";
import { encodeRequests, rawCheckCaller } from "./load.js";
import { closedLoop, openLoop } from "./loops.js";
import { ensureRuntimeWasm, repoRoot } from "./paths.js";
import { type ServerSetup, startBaseline, startOurs } from "./servers.js";
import { buildWorkload } from "./workload.js";

const script = fileURLToPath(import.meta.url);
const benchDir = dirname(script);
const root = repoRoot(benchDir);

/** The option sets explored; "default" is what each server uses today. */
export const OPTION_SETS: Record<string, ChannelOptions> = {
  default: {},
  "no-channelz": { "grpc.enable_channelz": 0 },
  "max-session-memory-1GiB": { "grpc-node.max_session_memory": 1024 * 1024 * 1024 },
  "max-concurrent-streams-100": { "grpc.max_concurrent_streams": 100 },
  "keepalive-10s": { "grpc.keepalive_time_ms": 10_000, "grpc.keepalive_timeout_ms": 5_000 },
  "max-message-64KiB": {
    "grpc.max_receive_message_length": 64 * 1024,
    "grpc.max_send_message_length": 64 * 1024,
  },
  "no-channelz+session-1GiB": {
    "grpc.enable_channelz": 0,
    "grpc-node.max_session_memory": 1024 * 1024 * 1024,
  },
};

type Kind = "baseline" | "ours";

const { values } = parseArgs({
  options: {
    serve: { type: "string" },
    setup: { type: "string" },
    options: { type: "string" },
    duration: { type: "string", default: "4" },
    warmup: { type: "string", default: "1" },
    "in-flight": { type: "string", default: "64" },
    channels: { type: "string", default: "1" },
    sets: { type: "string", default: "default,no-channelz,max-session-memory-1GiB" },
    repeat: { type: "string", default: "1" },
    "audit-beside-trust": { type: "boolean", default: false },
    rps: { type: "string", default: "0" },
    "client-window": { type: "string" },
  },
});

async function serve(kind: Kind, setup: ServerSetup, options: ChannelOptions): Promise<string> {
  const server = kind === "baseline" ? await startBaseline(options) : await startOurs(setup, options);
  return server.address;
}

/** Child: serve, then answer "cpu" requests with this process's CPU time in microseconds. */
async function child(): Promise<void> {
  const setup = JSON.parse(readFileSync(values.setup ?? "", "utf8")) as ServerSetup;
  const options = JSON.parse(values.options ?? "{}") as ChannelOptions;
  const address = await serve(values.serve as Kind, setup, options);
  process.on("message", (m: unknown) => {
    if (m === "cpu") {
      const c = process.cpuUsage();
      process.send?.({ cpuUs: c.user + c.system });
    }
  });
  process.send?.({ address });
  process.on("disconnect", () => process.exit(0));
}

interface Spawned {
  address: string;
  cpuUs(): Promise<number>;
  stop(): Promise<void>;
}

function spawn(kind: Kind, setupFile: string, options: ChannelOptions): Promise<Spawned> {
  const proc: ChildProcess = fork(
    script,
    ["--serve", kind, "--setup", setupFile, "--options", JSON.stringify(options)],
    { stdio: ["ignore", "inherit", "inherit", "ipc"], execArgv: [] },
  );
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`grpc-options: ${kind} exited (${code})`));
    proc.once("exit", onExit);
    proc.once("message", (m: { address: string }) => {
      proc.off("exit", onExit);
      resolve({
        address: m.address,
        cpuUs: () =>
          new Promise((done) => {
            proc.once("message", (r: { cpuUs: number }) => done(r.cpuUs));
            proc.send("cpu");
          }),
        stop: () =>
          new Promise((done) => {
            if (proc.exitCode !== null) return done();
            proc.once("exit", () => done());
            proc.disconnect();
          }),
      });
    });
  });
}

interface Row {
  set: string;
  kind: Kind;
  callsPerS: number;
  p50: number;
  p99: number;
  serverCpuUsPerCall: number;
  clientCpuUsPerCall: number;
  /** Open loop at --rps (NaN when off). */
  fixedP50: number;
  fixedP99: number;
}

async function measure(
  kind: Kind,
  set: string,
  setupFile: string,
  bodies: Buffer[],
  s: { durationS: number; warmupS: number; inFlight: number; channels: number; rps: number; window?: number },
): Promise<Row> {
  const server = await spawn(kind, setupFile, OPTION_SETS[set] as ChannelOptions);
  const clients = Array.from(
    { length: s.channels },
    // A local subchannel pool per channel: otherwise grpc-js shares one connection between them.
    () =>
      new Client(server.address, credentials.createInsecure(), {
        "grpc.use_local_subchannel_pool": 1,
        ...(s.window ? { "grpc-node.flow_control_window": s.window } : {}),
      }),
  );
  try {
    const calls = clients.map((c) => rawCheckCaller(c));
    let next = 0;
    const call: (typeof calls)[number] = (req, done) => calls[next++ % calls.length]?.(req, done);
    await closedLoop(call, bodies, { inFlight: s.inFlight, warmupMs: 0, durationMs: s.warmupS * 1000 });
    const cpu0 = await server.cpuUs();
    const me0 = process.cpuUsage();
    const r = await closedLoop(call, bodies, {
      inFlight: s.inFlight,
      warmupMs: 0,
      durationMs: s.durationS * 1000,
    });
    const me = process.cpuUsage(me0);
    const cpu1 = await server.cpuUs();
    const n = Math.max(1, r.count);
    const fixed =
      s.rps > 0
        ? await openLoop(call, bodies, {
            rps: s.rps,
            warmupMs: s.warmupS * 1000,
            durationMs: s.durationS * 1000,
          })
        : undefined;
    return {
      set,
      kind,
      callsPerS: r.throughput,
      p50: r.p50,
      p99: r.p99,
      serverCpuUsPerCall: (cpu1 - cpu0) / n,
      clientCpuUsPerCall: (me.user + me.system) / n,
      fixedP50: fixed?.p50 ?? Number.NaN,
      fixedP99: fixed?.p99 ?? Number.NaN,
    };
  } finally {
    for (const c of clients) c.close();
    await server.stop();
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)] as number;
}

async function main(): Promise<void> {
  if (values.serve !== undefined) return child();
  const sets = values.sets === "all" ? Object.keys(OPTION_SETS) : (values.sets ?? "").split(",");
  for (const name of sets) if (!(name in OPTION_SETS)) throw new Error(`grpc-options: unknown set ${name}`);
  const s = {
    durationS: Number(values.duration),
    warmupS: Number(values.warmup),
    inFlight: Number(values["in-flight"]),
    channels: Number(values.channels),
    rps: Number(values.rps),
    window: values["client-window"] ? Number(values["client-window"]) : undefined,
  };
  const repeat = Number(values.repeat);
  ensureRuntimeWasm(root, benchDir);
  const dir = mkdtempSync(join(tmpdir(), "wimse-grpc-options-"));
  try {
    const trustDir = join(dir, "trust");
    mkdirSync(trustDir);
    const workload = await buildWorkload(trustDir, 100);
    const setup: ServerSetup = {
      trustDomains: workload.trustDomains,
      trustedProxies: workload.trustedProxies,
      policyDir: join(root, "policies"),
      auditFile: values["audit-beside-trust"] ? join(trustDir, "audit.log") : join(dir, "audit.log"),
    };
    const setupFile = join(dir, "setup.json");
    writeFileSync(setupFile, JSON.stringify(setup));
    const bodies = encodeRequests(workload.requests.map((r) => r.request));
    const rows: Row[][] = [];
    for (let k = 0; k < repeat; k++) {
      for (const set of sets) {
        // Baseline and ours back to back for each set, so that both see about the same machine load.
        for (const kind of ["baseline", "ours"] as const) {
          process.stderr.write(`grpc-options: ${set} ${kind} (run ${k + 1}/${repeat})...\n`);
          const row = await measure(kind, set, setupFile, bodies, s);
          const slot = sets.indexOf(set) * 2 + (kind === "ours" ? 1 : 0);
          rows[slot] = [...(rows[slot] ?? []), row];
        }
      }
    }
    console.log(
      `grpc-js server options, ${s.inFlight} in flight over ${s.channels} channel(s), ${s.durationS} s per run, ` +
        `client window ${s.window ?? "default"}, open loop ${s.rps > 0 ? `${s.rps}/s` : "off"}, ` +
        `median of ${repeat} run(s); CPU = server process CPU time per call`,
    );
    console.log(
      `${"option set".padEnd(28)} ${"server".padEnd(9)} ${"calls/s".padStart(8)} ${"p50 ms".padStart(8)} ` +
        `${"p99 ms".padStart(8)} ${"CPU µs".padStart(8)} ${"gen µs".padStart(8)} ${"fix p50".padStart(8)} ` +
        `${"fix p99".padStart(8)}  ours/baseline`,
    );
    for (let i = 0; i < rows.length; i += 2) {
      const b = rows[i] as Row[];
      const o = rows[i + 1] as Row[];
      for (const group of [b, o]) {
        const first = group[0] as Row;
        const m = (f: (r: Row) => number) => median(group.map(f));
        const ratio =
          first.kind === "ours"
            ? `thr ${(m((r) => r.callsPerS) / median(b.map((r) => r.callsPerS))).toFixed(2)}, CPU ${(
                m((r) => r.serverCpuUsPerCall) / median(b.map((r) => r.serverCpuUsPerCall))
              ).toFixed(2)}`
            : "";
        console.log(
          `${first.set.padEnd(28)} ${first.kind.padEnd(9)} ${m((r) => r.callsPerS)
            .toFixed(0)
            .padStart(8)} ${m((r) => r.p50)
            .toFixed(2)
            .padStart(8)} ${m((r) => r.p99)
            .toFixed(2)
            .padStart(8)} ${m((r) => r.serverCpuUsPerCall)
            .toFixed(1)
            .padStart(8)} ${m((r) => r.clientCpuUsPerCall)
            .toFixed(1)
            .padStart(8)} ${m((r) => r.fixedP50)
            .toFixed(2)
            .padStart(8)} ${m((r) => r.fixedP99)
            .toFixed(2)
            .padStart(8)}  ${ratio}`,
        );
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
