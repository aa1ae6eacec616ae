/** rego.parse_module: a module's text parsed by our compiler's parser, in OPA's AST JSON form. */
import { moduleJson } from "../../rego/ast/json.js";
import { RegoCompileError } from "../../rego/errors.js";
import { parseModule } from "../../rego/syntax/index.js";
import { str } from "./args.js";
import { fail } from "./errors.js";
import type { BuiltinFamily } from "./registry.js";

function parse(filename: string, text: string): unknown {
  try {
    return moduleJson(parseModule({ path: filename, text }));
  } catch (e) {
    if (e instanceof RegoCompileError) fail(e.message);
    throw e;
  }
}

export const rego: BuiltinFamily = {
  "rego.parse_module": (filename, text) => parse(str(filename, 1), str(text, 2)),
};
