/** The listener on a unix socket (listen.address unix:///path), including a stale socket left behind. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { allowAll, FakeIdentity, ScriptedPolicy } from "./support/doubles.js";
import { envoyRequest, fakeCert, startHarness } from "./support/harness.js";

const dir = mkdtempSync(join(tmpdir(), "wimse-sock-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("unix socket listener", () => {
  it("serves Check and health on unix:///path, and restarts over the socket file it left", async () => {
    const address = `unix://${join(dir, "authz.sock")}`;
    for (let run = 0; run < 2; run++) {
      const h = await startHarness({ identity: new FakeIdentity(), policy: new ScriptedPolicy(allowAll()) }, [
        ["--listen-address", address],
      ]);
      try {
        expect(h.service.grpcAddress).toBe(address);
        expect((await h.checkHealth()).status).toBe(1);
        const res = await h.check(envoyRequest({ certificate: fakeCert("spiffe://a.example/w") }));
        expect(res.status?.code).toBe(0);
      } finally {
        await h.close();
      }
    }
  });
});
