/**
 * gRPC server reflection (@grpc/reflection) for the Authorization and Health services. It needs
 * descriptors, which it takes from the .proto sources: Envoy's from @grpc/grpc-js-xds's deps/ and
 * the health protocol's from this repository's proto/ folder.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Server } from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import { ReflectionService } from "@grpc/reflection";

export function addReflection(server: Server): void {
  const require = createRequire(import.meta.url);
  const xds = dirname(require.resolve("@grpc/grpc-js-xds/package.json"));
  const deps = join(xds, "deps");
  const ours = join(dirname(fileURLToPath(import.meta.url)), "../../proto");
  const files = ["envoy/service/auth/v3/external_auth.proto"];
  if (existsSync(join(ours, "grpc/health/v1/health.proto"))) files.push("grpc/health/v1/health.proto");
  const pkg = loadSync(files, {
    includeDirs: [
      ours,
      join(deps, "envoy-api"),
      join(deps, "googleapis"),
      join(deps, "xds"),
      join(deps, "protoc-gen-validate"),
    ],
    keepCase: true,
  });
  new ReflectionService(pkg).addToServer(server);
}
