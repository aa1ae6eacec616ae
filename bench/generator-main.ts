/**
 * Entry of the load generator process (forked by startGenerator). It imports only the generator's
 * child side, the loops, stats and the h2 client: forked from bench/run.ts, the generator carried
 * every module the bench loads (service, compiler, PKI: ~18 MB of live heap against ~4 MB), and
 * each mark-compact of that heap stalled the load for 20-28 ms.
 */
import { generatorChild } from "./generator.js";

generatorChild();
