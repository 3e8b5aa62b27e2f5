/*
 * EKS Kubernetes versions and their support windows, from AWS's EKS version calendar. Standard support lasts
 * 14 months; extended support 12 more at about six times the control-plane price. Add a row when EKS ships a
 * new minor; versions past the end of extended support are removed (EKS no longer creates them).
 */

export interface EksVersionSupport {
  /** First day EKS offered the version. */
  readonly released: string;
  /** Last day of standard support (then extended support, ~6x the hourly control-plane price). */
  readonly standardSupportEnds: string;
  /** Last day of extended support (then EKS upgrades the cluster automatically). */
  readonly extendedSupportEnds: string;
}

export const EKS_VERSIONS: Readonly<Record<string, EksVersionSupport>> = {
  "1.31": { released: "2024-09-26", standardSupportEnds: "2025-11-26", extendedSupportEnds: "2026-11-26" },
  "1.32": { released: "2025-01-25", standardSupportEnds: "2026-03-23", extendedSupportEnds: "2027-03-23" },
  "1.33": { released: "2025-05-28", standardSupportEnds: "2026-07-29", extendedSupportEnds: "2027-07-29" },
  "1.34": { released: "2025-10-06", standardSupportEnds: "2026-12-02", extendedSupportEnds: "2027-12-02" },
  "1.35": { released: "2026-01-28", standardSupportEnds: "2027-03-27", extendedSupportEnds: "2028-03-27" },
};

export type SupportPhase = "standard" | "extended" | "ended";

/** Where `version` stands on `day` (YYYY-MM-DD); undefined when EKS does not offer it at all. */
export function supportPhase(version: string, day: string): SupportPhase | undefined {
  const support = EKS_VERSIONS[version];
  if (!support) return undefined;
  if (day <= support.standardSupportEnds) return "standard";
  if (day <= support.extendedSupportEnds) return "extended";
  return "ended";
}
