/**
 * One Check from raw bytes to raw bytes, shared by both decision stages: decode the CheckRequest,
 * run the checker, encode the CheckResponse. A request that does not decode is an error status
 * (as grpc-js answers a request its deserializer rejects), never a decision.
 */
import { status as GrpcStatus } from "@grpc/grpc-js";
import type { Config } from "../../config/types.js";
import {
  type CheckDeps,
  type Checker,
  type CheckResult,
  createChecker,
  type DecliningChecker,
  TOKEN_STAGE_ELSEWHERE,
} from "../../extauthz/check.js";
import { CheckRequest } from "../../gen/envoy/service/auth/v3/external_auth.js";
import type { Runtimes } from "../ports.js";
import { checkResponseSerializer } from "../serialize.js";
import type { StageError } from "./stage.js";

export interface Decided {
  bytes: Buffer;
  result: CheckResult;
}

export type RawDecide = (request: Uint8Array, started: bigint) => Decided | StageError | Promise<Decided>;

export type RequestDecide = (request: CheckRequest, started: bigint) => Decided | Promise<Decided>;

export function rawDecider(checker: Checker): RawDecide {
  const decide = requestDecider(checker);
  return (bytes, started) => {
    const request = decodeCheck(bytes);
    return request instanceof CheckRequestError ? request.status : decide(request, started);
  };
}

/** The checker, then the response encoded: for a request already decoded. */
export function requestDecider(checker: Checker): RequestDecide {
  const encode = checkResponseSerializer();
  const answer = (result: CheckResult): Decided => ({ bytes: encode(result.response), result });
  return (request, started) => {
    const result = checker(request, started);
    return result instanceof Promise ? result.then(answer) : answer(result);
  };
}

/** requestDecider for a checker that declines token requests (they are answered elsewhere). */
export function decliningDecider(
  checker: DecliningChecker,
): (request: CheckRequest, started: bigint) => Decided | typeof TOKEN_STAGE_ELSEWHERE {
  const encode = checkResponseSerializer();
  return (request, started) => {
    const result = checker(request, started);
    return result === TOKEN_STAGE_ELSEWHERE ? result : { bytes: encode(result.response), result };
  };
}

/** A request that does not decode: the error status it is answered with. */
export class CheckRequestError {
  constructor(readonly status: StageError) {}
}

export function decodeCheck(bytes: Uint8Array): CheckRequest | CheckRequestError {
  try {
    return CheckRequest.decode(bytes);
  } catch (e) {
    return new CheckRequestError({
      code: GrpcStatus.INTERNAL,
      details: `cannot decode CheckRequest: ${(e as Error).message}`,
    });
  }
}

export function isStageError(v: Decided | StageError): v is StageError {
  return (v as StageError).code !== undefined;
}

/** The checker over the runtimes, with the configuration's request, identity and decision settings. */
export function checkerFor(config: Config, runtimes: Runtimes): Checker {
  return createChecker(checkerDeps(config, runtimes));
}

export function checkerDeps(config: Config, runtimes: Runtimes): CheckDeps {
  return {
    authenticator: runtimes.identity,
    tokens: runtimes.tokens,
    policy: runtimes.policy,
    settings: {
      limits: config.request,
      identityOptional: config.identity.optional,
      identityHeaders: config.decision.headers,
      dryRun: config.decision.dryRun,
      denyStatus: config.decision.denyStatus,
      identityFailureStatus: config.decision.identityFailureStatus,
      skipBodyParse: config.request.skipBodyParse,
      tokens: { caller: config.tokens.caller, requireTransport: config.tokens.requireTransport },
    },
  };
}

/** An exception while answering (encoding a response) as an error status: never an allow. */
export function internalError(e: unknown): StageError {
  return {
    code: GrpcStatus.INTERNAL,
    details: `check failed: ${e instanceof Error ? e.message : String(e)}`,
  };
}
