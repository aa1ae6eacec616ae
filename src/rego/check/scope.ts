/**
 * Variable scopes of the check stage. Every rule body, comprehension body and `every` body has a
 * scope; each local variable gets a name unique across the module set and an owning scope, which
 * the safety pass uses to tell a body's own variables from closure variables.
 */
export class Scope {
  /** Source name -> unique name, for variables created in this scope. */
  readonly vars = new Map<string, string>();
  /** Names declared with `:=`, `some`, function arguments or `every`. */
  readonly declared = new Set<string>();
  /** Names created implicitly (first use as unification/ref var). */
  readonly implicit = new Set<string>();
  /** Source names appearing directly in this scope's body (not inside nested bodies). */
  candidates: ReadonlySet<string> = new Set();

  constructor(readonly parent: Scope | undefined) {}

  isWithin(ancestor: Scope): boolean {
    for (let s: Scope | undefined = this; s; s = s.parent) if (s === ancestor) return true;
    return false;
  }
}

/** Unique-name generator and ownership table shared by all stages of one check run. */
export class Names {
  private counter = 0;
  private wildcards = 0;
  /** Unique name -> owning scope. */
  readonly owner = new Map<string, Scope>();
  /** Unique name -> source name, for error messages. */
  readonly source = new Map<string, string>();

  local(scope: Scope, sourceName: string): string {
    const name = `__local${this.counter++}__`;
    this.owner.set(name, scope);
    this.source.set(name, sourceName);
    return name;
  }

  wildcard(scope: Scope): string {
    const name = `$_${this.wildcards++}`;
    this.owner.set(name, scope);
    this.source.set(name, "_");
    return name;
  }

  display(name: string): string {
    return this.source.get(name) ?? name;
  }
}
