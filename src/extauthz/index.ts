export {
  type Authenticator,
  type Checker,
  type CheckDeps,
  type CheckResult,
  type CheckSettings,
  createChecker,
} from "./check.js";
export { buildInput, INPUT_VERSION, type PolicyIdentity } from "./input.js";
export { Reason, RequestRejection } from "./reasons.js";
export { allowResponse, denyResponse, REASON_HEADER, type IdentityHeaderNames } from "./response.js";
