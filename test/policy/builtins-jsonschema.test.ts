import { describe, expect, it } from "vitest";
import { BuiltinError } from "../../src/policy/builtins/errors.js";
import { hostBuiltins } from "../../src/policy/builtins/index.js";
import { matchSchema, verifySchema } from "../../src/policy/builtins/jsonschema.js";

const PERSON = {
  type: "object",
  required: ["name"],
  properties: {
    name: { type: "string", minLength: 2, pattern: "^[A-Z]" },
    age: { type: "integer", minimum: 0, exclusiveMaximum: 150 },
    tags: { type: "array", items: { type: "string" }, uniqueItems: true, maxItems: 3 },
    role: { enum: ["admin", "user"] },
    home: { $ref: "#/definitions/addr" },
  },
  additionalProperties: false,
  definitions: { addr: { type: "object", required: ["city"] } },
};

describe("json.verify_schema", () => {
  it("accepts well-formed schemas as string or object", () => {
    expect(verifySchema(PERSON)).toEqual([true, null]);
    expect(verifySchema(JSON.stringify(PERSON))).toEqual([true, null]);
    expect(verifySchema(true)).toEqual([true, null]);
  });

  it("reports malformed schemas with a reason", () => {
    const [ok, why] = verifySchema({ properties: { a: { type: "text" } } });
    expect(ok).toBe(false);
    expect(why).toMatch(/primitive type that is NOT VALID -- given: \/text\//);
    expect(verifySchema({ required: "a" })[0]).toBe(false);
    expect(verifySchema({ pattern: "(" })[0]).toBe(false);
    expect(verifySchema({ $ref: "http://example.com/s.json" })[0]).toBe(false);
    expect(verifySchema({ anyOf: [] })[0]).toBe(false);
  });

  it("reports a schema string that is not JSON, and type-checks the operand", () => {
    expect(verifySchema("{nope")).toEqual([false, "jsonschema: schema is not valid JSON"]);
    expect(() => verifySchema(7)).toThrow(/operand 1 must be string or object/);
  });
});

describe("json.match_schema", () => {
  it("matches a conforming document (object or JSON text)", () => {
    const doc = { name: "Ada", age: 36, tags: ["x"], role: "admin", home: { city: "L" } };
    expect(matchSchema(doc, PERSON)).toEqual([true, []]);
    expect(matchSchema(JSON.stringify(doc), JSON.stringify(PERSON))).toEqual([true, []]);
  });

  it("lists each violation with gojsonschema-style fields", () => {
    const [ok, errs] = matchSchema(
      { name: "a", age: 150, tags: ["x", "x", 1, "y"], role: "root", home: {}, extra: 1 },
      PERSON,
    );
    expect(ok).toBe(false);
    const types = errs.map((e) => `${e.field}:${e.type}`).sort();
    expect(types).toEqual(
      [
        "name:string_gte",
        "name:pattern",
        "age:number_lt",
        "tags:array_max_items",
        "tags:unique",
        "tags.2:invalid_type",
        "role:enum",
        "home:required",
        "(root):additional_property_not_allowed",
      ].sort(),
    );
    const req = matchSchema({}, PERSON)[1][0];
    expect(req).toEqual({
      error: "(root): name is required",
      type: "required",
      field: "(root)",
      desc: "name is required",
    });
  });

  it("handles combinators, const, if/then/else, tuples and draft-4 exclusive bounds", () => {
    expect(
      matchSchema([1], { oneOf: [{ type: "array" }, { type: "array", items: { type: "integer" } }] })[0],
    ).toBe(false);
    expect(matchSchema([1], { anyOf: [{ type: "string" }, { type: "array" }] })[0]).toBe(true);
    expect(matchSchema({ a: 1 }, { not: { required: ["a"] } })[0]).toBe(false);
    expect(matchSchema({ a: 1 }, { properties: { a: { const: 1 } } })[0]).toBe(true);
    // JSON text: a literal object with a `then` key trips the thenable lint.
    const cond = JSON.parse('{"if": {"required": ["card"]}, "then": {"required": ["cvv"]}}');
    expect(matchSchema({ card: 1 }, cond)[0]).toBe(false);
    expect(matchSchema({ cash: 1 }, cond)[0]).toBe(true);
    const tuple = { items: [{ type: "string" }, { type: "integer" }], additionalItems: false };
    expect(matchSchema(["a", 1], tuple)[0]).toBe(true);
    expect(matchSchema(["a", 1, 2], tuple)[0]).toBe(false);
    expect(matchSchema([5], { items: { minimum: 5, exclusiveMinimum: true } })[0]).toBe(false);
    expect(matchSchema([2.5], { items: { type: "integer" } })[0]).toBe(false);
    expect(matchSchema([2], { items: { type: "number", multipleOf: 0.5 } })[0]).toBe(true);
  });

  it("is an error, not a mismatch, when the schema itself is bad", () => {
    expect(() => matchSchema({}, { type: "nope" })).toThrow(BuiltinError);
    expect(() => matchSchema({}, { $ref: "#/definitions/missing" })).toThrow(BuiltinError);
    expect(() => matchSchema(3, {})).toThrow(/operand 1/);
  });

  it("strict mode raises eval_builtin_error; non-strict yields undefined", () => {
    const strict = hostBuiltins({ strict: true })["json.match_schema"];
    const lax = hostBuiltins({ strict: false })["json.match_schema"];
    expect(() => strict?.({}, { type: "nope" })).toThrow(
      expect.objectContaining({ code: "eval_builtin_error" }),
    );
    expect(lax?.({}, { type: "nope" })).toBeUndefined();
  });
});
