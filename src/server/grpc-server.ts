/**
 * The gRPC server: envoy.service.auth.v3.Authorization/Check, grpc.health.v1.Health and (option)
 * server reflection, with the configured receive-size limit (grpc-js answers larger messages with
 * RESOURCE_EXHAUSTED before any handler runs) and the listener's TLS / mTLS allowlist, which
 * guards Health too (plus the service's own ID, for its probe).
 */
import {
  type ChannelOptions,
  Server,
  status as GrpcStatus,
  type sendUnaryData,
  type ServerUnaryCall,
} from "@grpc/grpc-js";
import type { Config } from "../config/types.js";
import type { Checker, CheckResult } from "../extauthz/check.js";
import type { CheckRequest, CheckResponse } from "../gen/envoy/service/auth/v3/external_auth.js";
import { type HealthServer, HealthService } from "../gen/grpc/health/v1/health.js";
import { type HealthState, healthServer } from "./health.js";
import { callerAllowed, ownIds } from "./listener-tls.js";
import { addReflection } from "./reflection.js";
import { authorizationServiceDefinition } from "./serialize.js";

export interface GrpcServerDeps {
  config: Config;
  checker: Checker;
  health: HealthState;
  /** Called after each decided Check (audit, metrics). */
  onResult: (result: CheckResult) => void;
  /**
   * Extra grpc-js server options (bench/grpc-options.ts explores them). The configured message
   * size limits always win over these.
   */
  grpcOptions?: ChannelOptions;
}

export function createGrpcServer(deps: GrpcServerDeps): Server {
  const server = new Server({
    ...deps.grpcOptions,
    "grpc.max_receive_message_length": deps.config.listen.maxReceiveMessageBytes,
    "grpc.max_send_message_length": deps.config.listen.maxReceiveMessageBytes,
  });
  const allowed = deps.config.listen.tls.allowedClientIds;
  server.addService(authorizationServiceDefinition(), {
    check(call: ServerUnaryCall<CheckRequest, CheckResponse>, callback: sendUnaryData<CheckResponse>) {
      const started = process.hrtime.bigint();
      if (allowed.length > 0 && !callerAllowed(allowed, call.getAuthContext()?.sslPeerCertificate)) {
        callback(NOT_ALLOWED);
        return;
      }
      // The checker never throws nor rejects (errors become denials). A Check is decided
      // synchronously unless it carries a Workload-Identity-Token (then a Promise); either way the
      // call stays open until answered, so grpc-js's tryShutdown lets in-flight checks finish.
      const result = deps.checker(call.request, started);
      if (result instanceof Promise) {
        result.then(
          (r) => {
            callback(null, r.response);
            deps.onResult(r);
          },
          (e: Error) => callback({ code: GrpcStatus.INTERNAL, details: `check failed: ${e.message}` }),
        );
        return;
      }
      // Answer first, then audit and metrics: the response is serialized and queued before the
      // audit line is formatted (same CPU, shorter latency); both happen in this same turn.
      callback(null, result.response);
      deps.onResult(result);
    },
  });
  const healthAllowed = allowed.length > 0 ? [...allowed, ...ownIds(deps.config.listen.tls)] : [];
  server.addService(HealthService, guardHealth(healthServer(deps.health), healthAllowed));
  if (deps.config.listen.reflection) addReflection(server);
  return server;
}

const NOT_ALLOWED = {
  code: GrpcStatus.PERMISSION_DENIED,
  details: "caller's certificate is not in listen.tls.allowed_client_ids",
};

/**
 * The listener's caller allowlist applies to grpc.health.v1 as to Check: the service's state (and,
 * through Watch, a long-lived stream) is for Envoy, not for every holder of a certificate from the
 * client CA. `allowed` is the allowlist plus the service's own workload ID (ownIds), which its
 * health probe presents (k8s/grpc-health-probe.mjs); that ID may not call Check unless listed.
 * An empty list admits every caller the TLS layer admitted, as for Check.
 */
export function guardHealth(health: HealthServer, allowed: readonly string[]): HealthServer {
  if (allowed.length === 0) return health;
  const ok = (call: { getAuthContext(): { sslPeerCertificate?: { subjectaltname?: string } } | undefined }) =>
    callerAllowed(allowed, call.getAuthContext()?.sslPeerCertificate);
  return {
    check(call, cb) {
      if (!ok(call)) return cb(NOT_ALLOWED);
      health.check(call, cb);
    },
    list(call, cb) {
      if (!ok(call)) return cb(NOT_ALLOWED);
      health.list(call, cb);
    },
    watch(call) {
      if (!ok(call)) {
        call.emit("error", NOT_ALLOWED);
        return;
      }
      health.watch(call);
    },
  };
}
