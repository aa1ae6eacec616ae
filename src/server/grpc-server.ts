/**
 * The gRPC server: envoy.service.auth.v3.Authorization/Check, grpc.health.v1.Health and (option)
 * server reflection, with the configured receive-size limit (grpc-js answers larger messages with
 * RESOURCE_EXHAUSTED before any handler runs) and the listener's TLS / mTLS allowlist.
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
import {
  AuthorizationService,
  type CheckRequest,
  type CheckResponse,
} from "../gen/envoy/service/auth/v3/external_auth.js";
import { HealthService } from "../gen/grpc/health/v1/health.js";
import { type HealthState, healthServer } from "./health.js";
import { callerAllowed } from "./listener-tls.js";
import { addReflection } from "./reflection.js";

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
  server.addService(AuthorizationService, {
    check(call: ServerUnaryCall<CheckRequest, CheckResponse>, callback: sendUnaryData<CheckResponse>) {
      const started = process.hrtime.bigint();
      if (allowed.length > 0 && !callerAllowed(allowed, call.getAuthContext()?.sslPeerCertificate)) {
        callback({
          code: GrpcStatus.PERMISSION_DENIED,
          details: "caller's certificate is not in listen.tls.allowed_client_ids",
        });
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
  server.addService(HealthService, healthServer(deps.health));
  if (deps.config.listen.reflection) addReflection(server);
  return server;
}
