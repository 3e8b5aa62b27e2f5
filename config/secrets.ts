/*
 * A configuration error echoes the rejected value so the user sees what was read. A value that looks like a
 * secret is never echoed: error messages end up in CI logs, terminal scrollback and issue reports.
 */

/** What an error shows in place of a value that looks like a secret. */
export function redactedPlaceholder(value: string): string {
  return `<hidden: ${value.length} characters that look like a secret>`;
}

/** `scheme://user:password@host…` or `scheme://token@host…`: credentials written into a URL. */
const URL_CREDENTIALS = /^[a-z][a-z0-9+.-]*:\/\/[^/\s@]+@/i;

/** Key names whose values are secrets when they are not an ARN or an id (passwordSecretArn, authToken …). */
const SECRET_KEY = /(password|passwd|token|credential|secret(?!s)|apikey|api_key|accesskey|privatekey)/i;

/** Values that name a secret without being one: ARNs and Terraform Cloud OAuth token ids. */
const NAMES_A_SECRET = /^(arn:aws[a-z-]*:|ot-[A-Za-z0-9]+$)/;

/** A calendar date (YYYY-MM-DD), such as a token's expiry under `outputsTokenExpiresOn`: when a secret ends, never the secret. */
const CALENDAR_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Shapes of well-known credentials: AWS access keys, GitHub, Docker Hub, Terraform Cloud and Langfuse keys, PEM blocks. */
const KNOWN_SHAPES = [/\b(AKIA|ASIA)[A-Z0-9]{16}\b/, /\bgh[pousr]_[A-Za-z0-9]{20,}/, /\bdckr_pat_/, /\.atlasv1\./, /\b(sk|pk)-lf-/, /-----BEGIN [A-Z ]*PRIVATE KEY/];

/** Shannon entropy in bits per character. */
function entropy(value: string): number {
  const counts = new Map<string, number>();
  for (const char of value) counts.set(char, (counts.get(char) ?? 0) + 1);
  let bits = 0;
  for (const count of counts.values()) bits -= (count / value.length) * Math.log2(count / value.length);
  return bits;
}

/** A long single token mixing letters and digits with high entropy: a generated password or API key. */
function looksRandom(value: string): boolean {
  if (value.length < 20 || /\s/.test(value) || NAMES_A_SECRET.test(value)) return false;
  if (/^[a-z0-9.-]+$/.test(value) && value.includes(".")) return false; // a host name
  const classes = [/[a-z]/, /[A-Z]/, /\d/, /[^A-Za-z0-9]/].filter((pattern) => pattern.test(value)).length;
  return classes >= 3 && entropy(value) >= 3.5;
}

/** True when `value`, found at configuration key `key`, must not be printed. */
export function looksLikeSecret(key: string, value: unknown): value is string {
  if (typeof value !== "string" || value === "" || value.startsWith("<hidden: ") || CALENDAR_DATE.test(value)) return false;
  const leaf = key.split(".").pop() ?? key;
  if (SECRET_KEY.test(leaf) && !NAMES_A_SECRET.test(value)) return true;
  return URL_CREDENTIALS.test(value) || KNOWN_SHAPES.some((shape) => shape.test(value)) || looksRandom(value);
}

/** True when a URL carries a user name or password (`https://user:pass@host`). */
export function hasUrlCredentials(value: string): boolean {
  return URL_CREDENTIALS.test(value);
}
