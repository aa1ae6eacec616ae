/**
 * Entry of a bench server process (forked by spawnServer): `server-main.js KIND SETUP_FILE`. It
 * loads only the server it runs (bench/servers.ts and what that imports), not the whole bench:
 * forked from bench/run.ts, every server carried the compiler, the workload builder and the
 * component measurements (~18 MB of live heap on the gRPC thread, whose every GC then cost more),
 * which the no-op baseline and ours-inline paid for on the very thread that answers.
 */
import { isServerKind, serveChild } from "./servers.js";

const [kind, setupFile] = process.argv.slice(2);
if (kind === undefined || !isServerKind(kind) || setupFile === undefined) {
  process.stderr.write("usage: server-main.js baseline|ours|ours-inline SETUP_FILE\n");
  process.exit(2);
}
await serveChild(kind, setupFile);
