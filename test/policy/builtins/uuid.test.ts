import { describe, expect, it } from "vitest";
import { uuid } from "../../../src/policy/builtins/uuid.js";

const parse = uuid["uuid.parse"] as (s: string) => Record<string, unknown> | undefined;

describe("uuid.parse node id flags", () => {
  // Same v1 UUID, first node octet varied: 0x02 = locally administered, 0x01 = multicast.
  it.each([
    ["00", "global:unicast"],
    ["01", "global:multicast"],
    ["02", "local:unicast"],
    ["03", "local:multicast"],
    ["32", "local:unicast"],
  ])("node octet %s is %s", (octet, want) => {
    const v = parse(`000003e8-48b9-11ee-b200-${octet}5096b39f47`);
    expect(v?.version).toBe(1);
    expect(v?.macvariables).toBe(want);
    expect(v?.nodeid).toBe(`${octet}-50-96-b3-9f-47`);
  });

  it("reads a DCE (v2) UUID's domain and local id", () => {
    expect(parse("000003e8-48b9-21ee-b200-325096b39f47")).toMatchObject({
      version: 2,
      domain: "Person",
      id: 1000,
      clocksequence: 12800,
      macvariables: "local:unicast",
    });
  });
});
