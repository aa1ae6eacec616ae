/** Builtins the compiler introduces: template strings ($"...") and print. */
import { arr } from "./args.js";
import { fail } from "./errors.js";
import type { BuiltinFamily } from "./registry.js";
import { regoText } from "./rego-text.js";

/** A part's value set (as an array): empty means undefined. Strings print raw, others as Rego. */
function partText(values: unknown[], what: string): string {
  if (values.length === 0) return "<undefined>";
  if (values.length > 1) fail(`${what}: expression produced multiple values`);
  const v = values[0];
  return typeof v === "string" ? v : regoText(v);
}

export function internalBuiltins(print: (line: string) => void): BuiltinFamily {
  return {
    "internal.template_string": (parts) =>
      arr(parts, 1)
        .map((p) => (typeof p === "string" ? p : partText(arr(p, 1), "template string")))
        .join(""),
    "internal.print": (args) => {
      print(
        arr(args, 1)
          .map((a) =>
            Array.isArray(a)
              ? a.length === 0
                ? "<undefined>"
                : a.map((v) => (typeof v === "string" ? v : regoText(v))).join(" ")
              : regoText(a),
          )
          .join(" "),
      );
      return true;
    },
  };
}
