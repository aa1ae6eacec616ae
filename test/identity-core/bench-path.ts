/**
 * Path-validation throughput: `npx tsx test/identity-core/bench-path.ts [N]`.
 * - cold: N distinct leaves (P-256), each parsed from DER and validated once (leaf signature
 *   verified, intermediate signature memoised after the first), as for a new client;
 * - warm: the same ParsedCert objects validated again (parse cache and signature memo hit).
 * Prints per-second figures with the machine's CPU model and load.
 */
import { cpus, loadavg } from "node:os";
import { type ParsedCert, parseDer, verifyPath } from "../../src/identity/x509/index.js";
import { makeCa, makeLeaf, makeRoot } from "./pki.js";

const n = Number(process.argv[2] ?? 500);
const root = await makeRoot();
const ica = await makeCa(root);
const leaves = await Promise.all(Array.from({ length: n }, () => makeLeaf(ica)));
const anchors = [root.parsed()];
const intermediates = [ica.parsed()];
const time = new Date();

function run(certs: ParsedCert[]): void {
  for (const leaf of certs) {
    const r = verifyPath({ leaf, intermediates, anchors, time });
    if (!r.ok) throw new Error(r.code);
  }
}

const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;
let t = performance.now();
let c = process.cpuUsage();
const parsed = leaves.map((l) => parseDer(l.der));
run(parsed);
const cold = performance.now() - t;
const coldCpu = cpuMs(process.cpuUsage(c));
t = performance.now();
c = process.cpuUsage();
for (let i = 0; i < 5; i++) run(parsed);
const warm = (performance.now() - t) / 5;
const warmCpu = cpuMs(process.cpuUsage(c)) / 5;

console.log(
  `machine: ${cpus()[0]?.model ?? "?"} x${cpus().length}, load ${loadavg()
    .map((l) => l.toFixed(1))
    .join(" ")}`,
);
const rate = (ms: number) => ((n / ms) * 1000).toFixed(0);
console.log(
  `cold (parse + full validation, ${n} distinct leaves): ${rate(cold)} verifications/s wall, ${rate(coldCpu)}/s per CPU-second`,
);
console.log(
  `warm (same parsed leaves again): ${rate(warm)} verifications/s wall, ${rate(warmCpu)}/s per CPU-second`,
);
