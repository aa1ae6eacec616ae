/**
 * Whether this thread's event loop is busy: its utilisation (time not waiting for I/O, from
 * performance.eventLoopUtilization) over the last sampling interval, with hysteresis: it turns
 * busy above `enter` and stays busy until the utilisation falls below `leave`. Sampled at most
 * every `sampleMs` (one native call then; between samples the last verdict is returned), so
 * asking per Check costs next to nothing. A gauge nobody asked for longer than STALE samples is
 * not busy: no Check was waiting for this thread, whatever else it did meanwhile (start-up, a
 * reload), and the next interval is measured from then on.
 *
 * Why hysteresis: when busy, the caller moves work off this thread, which lowers the utilisation
 * it measures; with one threshold it would flip back and forth at saturation. A single stall (a
 * garbage collection, a burst after a client's pause) shorter than a sampling interval does not
 * reach `enter` on its own.
 */
export interface LoadGauge {
  busy(): boolean;
}

export interface LoadGaugeOptions {
  /** Utilisation above which an idle gauge turns busy. */
  enter: number;
  /** Utilisation below which a busy gauge turns idle (at most `enter`). */
  leave: number;
  sampleMs: number;
}

const STALE = 4;

export function loadGauge(opts: LoadGaugeOptions): LoadGauge {
  const { enter, sampleMs } = opts;
  const leave = Math.min(opts.leave, enter);
  let last = performance.eventLoopUtilization();
  let lastAt = performance.now();
  let busy = false;
  return {
    busy() {
      const now = performance.now();
      if (now - lastAt >= STALE * sampleMs) {
        last = performance.eventLoopUtilization();
        lastAt = now;
        busy = false;
      } else if (now - lastAt >= sampleMs) {
        const elu = performance.eventLoopUtilization();
        const utilisation = performance.eventLoopUtilization(elu, last).utilization;
        busy = busy ? utilisation > leave : utilisation > enter;
        last = elu;
        lastAt = now;
      }
      return busy;
    },
  };
}
