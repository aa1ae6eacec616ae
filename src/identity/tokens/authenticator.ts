/**
 * The application-level identity stage (thin first version: dispatch only; verification lands next).
 */
import { validateTokenConfig, type TokenConfig } from "./config.js";
import type { ProofVerifier, TokenAuthenticator, TokenAuthResult } from "./types.js";

export interface TokenAuthenticatorDeps {
  /** The HTTP-signature proof verifier (default: the one from ./http-sig when available). */
  httpSigVerifier?: ProofVerifier;
}

export function createTokenAuthenticator(
  config: TokenConfig,
  _deps: TokenAuthenticatorDeps = {},
): TokenAuthenticator {
  validateTokenConfig(config);
  return {
    async authenticate(request): Promise<TokenAuthResult> {
      if (request.headers["workload-identity-token"] === undefined) return { present: false };
      return {
        present: true,
        ok: false,
        code: "tokens_unavailable",
        check: "wit",
        message: "token verification is not available yet",
        status: 400,
      };
    },
    async ready() {},
    close() {},
  };
}
