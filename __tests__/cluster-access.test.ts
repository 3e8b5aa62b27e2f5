import { afterAll, describe, expect, it } from "vitest";
import { requireClusterAdmins } from "../config/cluster-admins";
import { ConfigError } from "../config/errors";
import { cleanupSynth, environment, resources, synthesize } from "./support/synth";

/* Every environment has a person who can reach its cluster: an access entry from config, or a synth error naming the key. */

afterAll(cleanupSynth);

const PERSON = "arn:aws:iam::123456789012:role/platform-admin";

function configErrorOf(action: () => unknown): ConfigError {
  try {
    action();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("people reach every cluster", () => {
  it("gives each configured administrator a cluster-admin access entry, in dev as in prod", () => {
    for (const name of ["dev", "prod"]) {
      const network = synthesize(environment(name, { cluster: { adminPrincipalArns: [PERSON] } })).network;
      const entries = Object.values(resources(network, "aws_eks_access_entry")).map((entry) => entry.principal_arn);
      expect(entries, name).toContain(PERSON);
      const associations = Object.values(resources(network, "aws_eks_access_policy_association"));
      expect(associations.length, name).toBe(entries.length);
    }
  });

  it("refuses, at synth, an environment without any administrator, naming the key to set", () => {
    const error = configErrorOf(() => synthesize(environment("dev", { cluster: { adminPrincipalArns: [] } })).network);
    expect(error.key).toBe("environments.dev.cluster.adminPrincipalArns");
    expect(error.fix).toMatch(/no person could reach the cluster/);
    expect(error.fix).toMatch(/arn:aws:iam::<account>:role\//);
  });

  it("refuses the session ARN an assumed role yields, and says which ARN to give instead", () => {
    const session = "arn:aws:sts::123456789012:assumed-role/Admin/jane";
    const config = environment("prod", { cluster: { adminPrincipalArns: [PERSON, session] } });
    const error = configErrorOf(() => requireClusterAdmins(config));
    expect(error.key).toBe("environments.prod.cluster.adminPrincipalArns.1");
    expect(error.value).toBe(session);
    expect(error.fix).toMatch(/give the role: arn:aws:iam::<account>:role\/<role>/);
  });

  it("accepts IAM roles (with a path, as SSO's are) and users", () => {
    const arns = ["arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_0123456789abcdef", "arn:aws:iam::123456789012:user/break-glass"];
    expect(requireClusterAdmins(environment("prod", { cluster: { adminPrincipalArns: arns } }))).toEqual(arns);
  });
});
