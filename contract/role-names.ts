/** Name part (after <prefix>-<env>-) of the cleanup function and its role: the app stack creates the role, the deps stack names it in its key policies. */
export const CLEANUP_FUNCTION_NAME = "clickhouse-cleanup";
