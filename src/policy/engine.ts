/**
 * The PolicyEngine: one instantiated Wasm module at a time, evaluated synchronously per request;
 * reloads build a complete new instance and swap it in only when it loaded fully (the last good
 * policy stays on failure). Every failure to decide is an `error` outcome, which denies.
 */
import type { PolicyBundle } from "./bundle/types.js";
import { hostBuiltins } from "./builtins/index.js";
import { HostBuiltinError } from "./builtins/registry.js";
import { deepFreeze } from "./deep-freeze.js";
import { validateDecision } from "./decision.js";
import { PolicyError, errorMessage } from "./errors.js";
import type { PolicyListener, ReloadEvent, ReloadTrigger } from "./listener.js";
import {
  type HostBuiltins,
  type ResultTextEvaluator,
  type TextEvaluator,
  type WasmPolicy,
  instantiate,
  jsonBuffer,
  requiredBuiltins,
  resultTextEvaluator,
} from "./sdk.js";
import { type Projection, compileProjection, project } from "./projection.js";
import type { PolicySource } from "./source.js";
import type { EvaluationOutcome, PolicyEngine } from "./types.js";
import { type Watch, watchPaths } from "./watch.js";

export const DEFAULT_ENTRYPOINT = "envoy/authz/allow";

export interface EngineOptions {
  source: PolicySource;
  /** Slash path of the decision rule (default envoy/authz/allow). */
  entrypoint?: string;
  /**
   * Builtin errors abort evaluation (deny with policy_eval_error) instead of making the
   * expression undefined. Default true: a failing builtin can never turn `not x` into an allow.
   */
  strictBuiltinErrors?: boolean;
  listener?: PolicyListener;
  /**
   * Reuse the decision of an equal projected input while the same policy is in force, for
   * modules our compiler marked deterministic (default true; false: run the module for every
   * evaluation, as the bench's evaluation-cost figures need).
   */
  reuseDecisions?: boolean;
  /** Watch the source's files and reload on change (default false). */
  watch?: boolean;
  debounceMs?: number;
  /** Additional or replacement host builtins (tests, extensions). */
  extraBuiltins?: HostBuiltins;
}

interface Active {
  policy: WasmPolicy;
  /** Direct ABI evaluation of JSON text, result set as JSON text (ABI >= 1.2). */
  resultText?: ResultTextEvaluator;
  /** The SDK's evaluate, for modules without resultText. */
  evaluateText: TextEvaluator;
  /**
   * Outcomes by result text. A policy answers with few distinct result sets (allow by this rule,
   * deny with this body), so each is parsed and validated once; the outcomes are frozen, shared.
   */
  outcomes: Map<string, EvaluationOutcome>;
  /**
   * Decisions by projected input text, for deterministic modules with a projection
   * (PolicyBundle.deterministic): an equal input has the same outcome under this revision.
   */
  decisions?: Map<string, EvaluationOutcome>;
  entrypointId: number;
  revision: string;
  /** The input paths the module can read; undefined: it gets the whole input. */
  projection?: Projection;
}

export class WasmPolicyEngine implements PolicyEngine {
  readonly entrypoint: string;
  private readonly source: PolicySource;
  private readonly builtins: HostBuiltins;
  private readonly listener?: PolicyListener;
  private readonly reuseDecisions: boolean;
  private active?: Active;
  private watcher?: Watch;
  private reloading?: Promise<ReloadEvent>;
  private pending = false;

  private constructor(opts: EngineOptions) {
    this.source = opts.source;
    this.entrypoint = opts.entrypoint ?? DEFAULT_ENTRYPOINT;
    this.listener = opts.listener;
    this.reuseDecisions = opts.reuseDecisions !== false;
    this.builtins = {
      ...hostBuiltins({ strict: opts.strictBuiltinErrors ?? true }),
      ...(opts.extraBuiltins ?? {}),
    };
  }

  /** Creates the engine and performs the initial load. Never throws: check `ready`. */
  static async start(opts: EngineOptions): Promise<WasmPolicyEngine> {
    const engine = new WasmPolicyEngine(opts);
    await engine.load("initial");
    if (opts.watch) {
      engine.watcher = watchPaths(opts.source.watchPaths, opts.debounceMs ?? 250, () => {
        void engine.load("watch");
      });
    }
    return engine;
  }

  get revision(): string {
    return this.active?.revision ?? "";
  }

  get ready(): boolean {
    return this.active !== undefined;
  }

  /** Reloads now (SIGHUP). Concurrent calls coalesce into one more load after the running one. */
  reload(): Promise<ReloadEvent> {
    return this.load("explicit");
  }

  /** Decisions kept for reuse under the policy in force (0 unless the module is deterministic). */
  decisionsKept(): number {
    return this.active?.decisions?.size ?? 0;
  }

  close(): void {
    this.watcher?.close();
    this.watcher = undefined;
  }

  evaluate(input: unknown): EvaluationOutcome {
    // Only what the compiled policy can read: the module cannot tell the difference.
    return this.evaluateText((projection) => JSON.stringify(project(input ?? null, projection)));
  }

  /**
   * Evaluates the input whose JSON text `write` gives for the policy in force, told the input
   * paths that policy reads (one synchronous call: a reload cannot swap the policy in between).
   * Not called when no policy is loaded; what it throws, or a result that is not text, is an
   * invalid input (a denial).
   */
  evaluateText(write: (projection: Projection | undefined) => string | undefined): EvaluationOutcome {
    const active = this.active;
    if (!active)
      return { kind: "error", code: "policy_not_loaded", message: "no policy is loaded", revision: "" };
    const revision = active.revision;
    let text: string | undefined;
    try {
      text = write(active.projection);
    } catch (e) {
      return { kind: "error", code: "policy_input_invalid", message: errorMessage(e), revision };
    }
    if (typeof text !== "string") {
      return { kind: "error", code: "policy_input_invalid", message: "input is not JSON", revision };
    }
    const decisions = active.decisions;
    const decided = decisions?.get(text);
    if (decided) return decided;
    let result: string | undefined;
    let rs: unknown;
    try {
      if (active.resultText) result = active.resultText(text, active.entrypointId);
      else rs = active.evaluateText(text, active.entrypointId);
    } catch (e) {
      const detail = e instanceof HostBuiltinError ? `${e.code}: ${e.message}` : errorMessage(e);
      return { kind: "error", code: "policy_eval_error", message: detail, revision };
    }
    if (result === undefined) return this.outcome(rs, revision);
    const known = active.outcomes.get(result);
    if (known) {
      if (decisions) rememberDecision(decisions, text, known);
      return known;
    }
    try {
      rs = JSON.parse(result);
    } catch (e) {
      return { kind: "error", code: "policy_eval_error", message: errorMessage(e), revision };
    }
    const outcome = this.outcome(rs, revision);
    const kept = remember(active.outcomes, result, outcome);
    if (decisions && kept) rememberDecision(decisions, text, kept);
    return outcome;
  }

  /** The outcome of one result set: the decision, or why there is none. */
  private outcome(rs: unknown, revision: string): EvaluationOutcome {
    if (!Array.isArray(rs)) {
      return { kind: "error", code: "policy_eval_error", message: "result set is not an array", revision };
    }
    if (rs.length === 0) {
      return {
        kind: "error",
        code: "policy_undefined",
        message: `${this.entrypoint} is undefined`,
        revision,
      };
    }
    if (rs.length !== 1) {
      return { kind: "error", code: "policy_malformed_decision", message: "more than one result", revision };
    }
    const checked = validateDecision((rs[0] as { result?: unknown } | null)?.result);
    if (!checked.ok)
      return { kind: "error", code: "policy_malformed_decision", message: checked.message, revision };
    return { kind: "decision", decision: checked.decision, revision };
  }

  private load(trigger: ReloadTrigger): Promise<ReloadEvent> {
    if (this.reloading) {
      this.pending = true;
      return this.reloading;
    }
    const run = async (): Promise<ReloadEvent> => {
      let event: ReloadEvent;
      do {
        this.pending = false;
        event = await this.loadOnce(trigger);
      } while (this.pending);
      return event;
    };
    this.reloading = run().finally(() => {
      this.reloading = undefined;
    });
    return this.reloading;
  }

  private async loadOnce(trigger: ReloadTrigger): Promise<ReloadEvent> {
    const started = Date.now();
    let bundle: PolicyBundle | undefined;
    let event: ReloadEvent;
    try {
      bundle = await this.source.load();
      this.active = await this.activate(bundle);
      event = this.event(true, trigger, started);
    } catch (e) {
      const code = e instanceof PolicyError ? e.code : "policy_instantiate_error";
      event = this.event(false, trigger, started, { code, message: errorMessage(e) }, bundle?.revision);
    }
    try {
      this.listener?.onReload(event);
    } catch {
      // A listener's failure must not affect the policy in force.
    }
    return event;
  }

  private async activate(bundle: PolicyBundle): Promise<Active> {
    if (bundle.entrypoints.length > 0 && !bundle.entrypoints.includes(this.entrypoint)) {
      throw new PolicyError(
        "policy_missing_entrypoint",
        `policy has no entrypoint ${this.entrypoint} (has: ${bundle.entrypoints.join(", ")})`,
      );
    }
    let policy: WasmPolicy;
    try {
      policy = await instantiate(bundle.wasm, this.builtins);
    } catch (e) {
      throw new PolicyError("policy_instantiate_error", `cannot instantiate policy.wasm: ${errorMessage(e)}`);
    }
    const entrypointId = policy.entrypoints[this.entrypoint];
    if (entrypointId === undefined) {
      throw new PolicyError(
        "policy_missing_entrypoint",
        `policy.wasm exports no entrypoint ${this.entrypoint}`,
      );
    }
    const missing = requiredBuiltins(policy).filter((b) => this.builtins[b] === undefined);
    if (missing.length > 0) {
      throw new PolicyError(
        "policy_missing_builtin",
        `policy needs builtins not provided by this host: ${missing.join(", ")}`,
      );
    }
    try {
      policy.setData(jsonBuffer(bundle.data));
    } catch (e) {
      throw new PolicyError("bundle_invalid_data", `cannot load data into the module: ${errorMessage(e)}`);
    }
    const resultText = resultTextEvaluator(policy);
    const evaluateText: TextEvaluator = (json, entrypoint) => policy.evaluate(textBuffer(json), entrypoint);
    const projection = compileProjection(bundle.inputPaths);
    return {
      policy,
      resultText,
      evaluateText,
      outcomes: new Map(),
      ...(this.reuseDecisions && bundle.deterministic === true && projection !== undefined
        ? { decisions: new Map() }
        : {}),
      entrypointId,
      revision: bundle.revision,
      projection,
    };
  }

  private event(
    ok: boolean,
    trigger: ReloadTrigger,
    started: number,
    error?: { code: string; message: string },
    rejectedRevision?: string,
  ): ReloadEvent {
    return {
      ok,
      trigger,
      source: this.source.description,
      revision: this.revision,
      ...(ok ? {} : { rejectedRevision }),
      at: new Date(),
      durationMs: Date.now() - started,
      ...(error ? { error } : {}),
    };
  }
}

/** Results longer than this are not kept (a body with request data would rarely repeat). */
const MAX_KEPT_RESULT = 2048;
/** Distinct results kept per policy; when full, the map starts over. */
const MAX_KEPT_OUTCOMES = 512;
/** Decisions kept per revision (deterministic modules), and the longest input text kept. */
const MAX_KEPT_DECISIONS = 4096;
const MAX_DECISION_KEY = 1024;

/** Keeps the outcome (frozen) for its result text and returns it; undefined when not kept. */
function remember(
  outcomes: Map<string, EvaluationOutcome>,
  result: string,
  outcome: EvaluationOutcome,
): EvaluationOutcome | undefined {
  if (result.length > MAX_KEPT_RESULT) return undefined;
  if (outcomes.size >= MAX_KEPT_OUTCOMES) outcomes.clear();
  const kept = deepFreeze(outcome);
  outcomes.set(result, kept);
  return kept;
}

/**
 * Keeps a decision (a frozen outcome from `outcomes`) for its input text; the oldest goes first
 * once MAX_KEPT_DECISIONS are kept. Long inputs are not kept.
 */
function rememberDecision(
  decisions: Map<string, EvaluationOutcome>,
  text: string,
  outcome: EvaluationOutcome,
): void {
  if (text.length > MAX_DECISION_KEY) return;
  if (decisions.size >= MAX_KEPT_DECISIONS) {
    const oldest = decisions.keys().next();
    if (!oldest.done) decisions.delete(oldest.value);
  }
  decisions.set(text, outcome);
}

function textBuffer(json: string): ArrayBuffer {
  const bytes = new TextEncoder().encode(json);
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}
