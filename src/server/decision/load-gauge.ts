/**
 * Whether this thread's event loop has been busy: its utilisation (time not waiting for I/O, from
 * performance.eventLoopUtilization) over the last sampling interval, above a threshold. Sampled at
 * most every `sampleMs` (one native call then; between samples the last verdict is returned), so
 * asking per Check costs next to nothing. A gauge nobody asked for longer than STALE samples is
 * not busy: no Check was waiting for this thread, whatever else it did meanwhile (start-up, a
 * reload), and the next interval is measured from then on.
 */
export interface LoadGauge {
  busy(): boolean;
}

const STALE = 4;

export function loadGauge(threshold: number, sampleMs: number): LoadGauge {
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
        busy = performance.eventLoopUtilization(elu, last).utilization > threshold;
        last = elu;
        lastAt = now;
      }
      return busy;
    },
  };
}
