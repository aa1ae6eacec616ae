/**
 * grpc.health.v1.Health: Check, List and Watch over a small status table. The service reports
 * SERVING only once the trust bundles and the policy are loaded (the lifecycle sets it), and
 * NOT_SERVING while draining. Services: "" (the whole server) and the Authorization service.
 */
import {
  type ServerWritableStream,
  status as GrpcStatus,
  type sendUnaryData,
  type ServerUnaryCall,
} from "@grpc/grpc-js";
import {
  type HealthCheckRequest,
  type HealthCheckResponse,
  HealthCheckResponse_ServingStatus as Serving,
  type HealthListRequest,
  type HealthListResponse,
  type HealthServer,
} from "../gen/grpc/health/v1/health.js";

export { Serving };

export const AUTHORIZATION_SERVICE = "envoy.service.auth.v3.Authorization";
export const HEALTH_SERVICES = ["", AUTHORIZATION_SERVICE] as const;

type Listener = (status: Serving) => void;

export class HealthState {
  private readonly statuses = new Map<string, Serving>();
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly closers = new Set<() => void>();

  constructor(services: readonly string[] = HEALTH_SERVICES) {
    for (const s of services) this.statuses.set(s, Serving.NOT_SERVING);
  }

  get(service: string): Serving | undefined {
    return this.statuses.get(service);
  }

  /** Sets every known service. */
  setAll(status: Serving): void {
    for (const s of this.statuses.keys()) this.set(s, status);
  }

  set(service: string, status: Serving): void {
    const prev = this.statuses.get(service);
    this.statuses.set(service, status);
    if (prev !== status) for (const l of this.listeners.get(service) ?? []) l(status);
  }

  list(): Record<string, Serving> {
    return Object.fromEntries(this.statuses);
  }

  /** Registers a function that ends one Watch stream; called by closeWatches (shutdown). */
  onClose(closer: () => void): () => void {
    this.closers.add(closer);
    return () => this.closers.delete(closer);
  }

  /** Ends every open Watch stream (after the final NOT_SERVING was sent), so shutdown can finish. */
  closeWatches(): void {
    for (const c of [...this.closers]) c();
  }

  watch(service: string, listener: Listener): () => void {
    let set = this.listeners.get(service);
    if (!set) {
      set = new Set();
      this.listeners.set(service, set);
    }
    set.add(listener);
    return () => set.delete(listener);
  }
}

export function healthServer(state: HealthState): HealthServer {
  return {
    check(
      call: ServerUnaryCall<HealthCheckRequest, HealthCheckResponse>,
      cb: sendUnaryData<HealthCheckResponse>,
    ) {
      const s = state.get(call.request.service);
      if (s === undefined)
        cb({
          code: GrpcStatus.NOT_FOUND,
          details: `unknown service ${JSON.stringify(call.request.service)}`,
        });
      else cb(null, { status: s });
    },
    list(
      _call: ServerUnaryCall<HealthListRequest, HealthListResponse>,
      cb: sendUnaryData<HealthListResponse>,
    ) {
      const statuses: Record<string, HealthCheckResponse> = {};
      for (const [k, v] of Object.entries(state.list())) statuses[k] = { status: v };
      cb(null, { statuses });
    },
    watch(call: ServerWritableStream<HealthCheckRequest, HealthCheckResponse>) {
      const service = call.request.service;
      call.write({ status: state.get(service) ?? Serving.SERVICE_UNKNOWN });
      const stop = state.watch(service, (status) => call.write({ status }));
      const unregister = state.onClose(() => {
        end();
        call.end();
      });
      const end = () => {
        stop();
        unregister();
      };
      call.on("cancelled", end);
      call.on("close", end);
      call.on("error", end);
    },
  };
}
