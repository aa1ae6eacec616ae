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
import { AuthorizationService } from "../gen/envoy/service/auth/v3/external_auth.js";
import { type HealthServer, HealthService } from "../gen/grpc/health/v1/health.js";
import { type HealthState, healthServer } from "./health.js";
import { callerAllowed, ownIds } from "./listener-tls.js";
import { addReflection } from "./reflection.js";
import type { DecisionStage } from "./decision/stage.js";

export interface GrpcServerDeps {
  config: Config;
  /** Decides Checks from their raw bytes (in this thread or on the decision thread). */
  stage: DecisionStage;
  health: HealthState;
  /**
   * Extra grpc-js server options (bench/grpc-options.ts explores them). The configured message
   * size limits always win over these.
   */
  grpcOptions?: ChannelOptions;
}

/**
 * Authorization/Check with raw bytes in and out: the stage decodes the request and encodes the
 * response itself (on the decision thread when there is one), so this thread never does.
 */
export const RAW_AUTHORIZATION = {
  check: {
    ...AuthorizationService.check,
    requestDeserialize: (bytes: Buffer): Buffer => bytes,
    responseSerialize: (bytes: Buffer): Buffer => bytes,
  },
} as const;

export function createGrpcServer(deps: GrpcServerDeps): Server {
  const server = new Server({
    ...deps.grpcOptions,
    "grpc.max_receive_message_length": deps.config.listen.maxReceiveMessageBytes,
    "grpc.max_send_message_length": deps.config.listen.maxReceiveMessageBytes,
  });
  const allowed = deps.config.listen.tls.allowedClientIds;
  const { stage } = deps;
  server.addService(RAW_AUTHORIZATION, {
    check(call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) {
      const started = process.hrtime.bigint();
      if (allowed.length > 0 && !callerAllowed(allowed, call.getAuthContext()?.sslPeerCertificate)) {
        callback(NOT_ALLOWED);
        return;
      }
      // The stage answers every Check exactly once (errors become denials or an error status);
      // the call stays open until then, so grpc-js's tryShutdown lets in-flight checks finish.
      stage.check(call.request, started, callback);
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
