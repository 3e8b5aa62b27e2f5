import { CLEANUP_CLICKHOUSE_USER } from "../../contract/clickhouse-cleanup-user";
import { cleanupGrants, type CleanupGrantScope } from "../../lambda/clickhouse-cleanup/grants";
import { quoteIdentifier, quoteString } from "../../lambda/clickhouse-cleanup/retention-sql";

/*
 * The cleanup function's ClickHouse user on the server side, one renderer per line, both from cleanupGrants():
 *
 *   v3 (bitnami subchart)  a users.d override (`usersExtraOverrides`): the user, its grants, the networks it may
 *                          connect from and `<password from_env>`. The password reaches the container as an
 *                          environment variable from the Kubernetes Secret (`extraEnvVars`), so neither the synthesized
 *                          values nor the app state hold it or its hash. Static text: the chart's config checksum, and
 *                          so the ClickHouse pod, change only when the grants do.
 *   v4 (operator)          the chart renders no environment for the server container (clickhouse.cluster has no
 *                          env key; the CRD's containerTemplate.env is not exposed), and the operator's `default`
 *                          holds `GRANT ALL ON *.*` without grant option, so it cannot grant privileges to a user made
 *                          in SQL. The grants therefore live in a role of the users configuration (extraUsersConfig,
 *                          declarative), and the retention Job (admin, password from the Secret) creates the user in
 *                          SQL, sets its password from the Secret as a sha256 hash, limits its hosts and grants it the
 *                          role — idempotently, on deploy and daily.
 */

/** The `<users>` override of the bundled v3 ClickHouse defining the cleanup user. */
export function cleanupUserXml(props: { readonly scope: CleanupGrantScope; readonly networks: readonly string[]; readonly userName?: string }): string {
  const user = props.userName ?? CLEANUP_CLICKHOUSE_USER.userName;
  return [
    "<clickhouse>",
    "  <users>",
    `    <${user}>`,
    `      <password from_env="${CLEANUP_CLICKHOUSE_USER.passwordEnv}"/>`,
    "      <networks>",
    ...props.networks.map((network) => `        <ip>${xmlText(network)}</ip>`),
    "      </networks>",
    // readonly = 0 (the default profile): ALTER and TRUNCATE are writes, and the statements lift the drop-size guard per query.
    "      <profile>default</profile>",
    "      <quota>default</quota>",
    "      <grants>",
    ...cleanupGrants(props.scope).map((grant) => `        <query>${xmlText(grant)}</query>`),
    "      </grants>",
    `    </${user}>`,
    "  </users>",
    "</clickhouse>",
  ].join("\n");
}

/** The role of the operator's users configuration (extraUsersConfig, ClickHouse's YAML form) holding the grants. */
export function cleanupRoleConfig(scope: CleanupGrantScope): Record<string, unknown> {
  return { roles: { [CLEANUP_CLICKHOUSE_USER.roleName]: { grants: cleanupGrants(scope).map((query) => ({ query })) } } };
}

/** Placeholders of the user statements, which the script replaces at run time (values from the Secret and the VPC). */
export const CLEANUP_USER_PLACEHOLDERS = { passwordHash: "@PASSWORD_SHA256@", network: "@NETWORK@" } as const;

/**
 * The SQL that makes the cleanup user on an operator-managed ClickHouse, for clickhouse-client as `default`, with
 * CLEANUP_USER_PLACEHOLDERS for the password's sha256 and the network it connects from. Idempotent: CREATE … IF
 * NOT EXISTS, then ALTER sets the password and hosts again (a rotated password is picked up), and WITH REPLACE
 * OPTION leaves the user with exactly the role, whatever was granted to it by hand.
 */
export function cleanupUserStatements(): string[] {
  const user = quoteIdentifier(CLEANUP_CLICKHOUSE_USER.userName);
  const role = quoteIdentifier(CLEANUP_CLICKHOUSE_USER.roleName);
  const identified = `IDENTIFIED WITH sha256_hash BY ${quoteString(CLEANUP_USER_PLACEHOLDERS.passwordHash)} HOST IP ${quoteString(CLEANUP_USER_PLACEHOLDERS.network)}`;
  return [
    `CREATE USER IF NOT EXISTS ${user} ${identified}`,
    `ALTER USER ${user} ${identified}`,
    `GRANT ${role} TO ${user} WITH REPLACE OPTION`,
    `ALTER USER ${user} DEFAULT ROLE ${role}`,
  ];
}

/**
 * The lines the retention script runs after its own work on an operator-managed ClickHouse: the sha256 of
 * $CLEANUP_PASSWORD (from the Secret) and $CLEANUP_NETWORK go into the statements by bash substitution, and the
 * statements reach clickhouse-client on stdin (printf is a builtin): neither is ever on a command line.
 */
export function cleanupUserScriptLines(shellQuote: (text: string) => string): string[] {
  const { passwordHash, network } = CLEANUP_USER_PLACEHOLDERS;
  return [
    "# The cleanup function's user (constructs/clickhouse/cleanup-user.ts): its grants are a role of the server configuration.",
    'cleanup_hash=$(printf "%s" "$CLEANUP_PASSWORD" | sha256sum | cut -d " " -f 1)',
    "unset CLEANUP_PASSWORD",
    "for sql in " + cleanupUserStatements().map(shellQuote).join(" ") + "; do",
    `  sql=\${sql//${passwordHash}/$cleanup_hash}`,
    `  printf "%s\\n" "\${sql//${network}/$CLEANUP_NETWORK}" | ch`,
    "done",
    `echo "cleanup user ${CLEANUP_CLICKHOUSE_USER.userName} up to date"`,
  ];
}

function xmlText(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
