/**
 * A certificate made on the fly for the demo's "untrusted issuer" scenario: self-signed, claiming
 * the frontend's identifier. A TLS layer that accepts untrusted chains lets it through; the
 * service must refuse it because no configured trust bundle issued it.
 */
import { exportPrivateKeyPem, issueCertificate } from "../pki/issue.js";

export async function selfSignedImpostor(claimedId: string): Promise<{ cert: Buffer; key: Buffer }> {
  const start = new Date(Date.now() - 60_000);
  const issued = await issueCertificate({
    subject: "CN=impostor, O=not the demo PKI",
    uris: [claimedId],
    dns: ["impostor"],
    notBefore: start,
    notAfter: new Date(start.getTime() + 86_400_000),
  });
  return {
    cert: Buffer.from(issued.pem, "utf8"),
    key: Buffer.from(await exportPrivateKeyPem(issued.keys.privateKey), "utf8"),
  };
}
