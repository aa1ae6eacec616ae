/** Demo PKI and certificate issuance helpers. */
export {
  DEMO_TRUST_DOMAINS,
  DEMO_WORKLOADS,
  type DemoDomain,
  type DemoDomainShort,
  type DemoPki,
  type DemoPkiOptions,
  type DemoWorkload,
  generateDemoPkiInMemory,
} from "./demo.js";
export {
  EKU_CLIENT_AUTH,
  EKU_SERVER_AUTH,
  exportPrivateKeyPem,
  type IssuedCertificate,
  type IssuedCrl,
  type IssueOptions,
  issueCertificate,
  issueCrl,
  type KeyAlgorithm,
} from "./issue.js";
export { DEMO_PKI_DIR, demoDomainPaths, demoWorkloadPaths } from "./layout.js";
export { DemoPkiExistsError, type DemoPkiManifest, ensureDemoPki, generateDemoPki } from "./write.js";
