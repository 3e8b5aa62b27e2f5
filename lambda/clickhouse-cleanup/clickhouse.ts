import { ClickHouseLogLevel, createClient, type ClickHouseClient, type ClickHouseSettings } from "@clickhouse/client";

/*
 * The little of ClickHouse the cleanup needs, behind an interface: the function talks HTTP to the server through
 * @clickhouse/client, the tests run the same client in-process over chdb (a real ClickHouse engine).
 */
export interface ClickHouse {
  /**
   * Runs a SELECT and returns its rows (64-bit integers arrive as strings). With `timeoutMs`, the server stops the
   * query then (max_execution_time, whole seconds rounded up) and the client aborts the request at that instant.
   */
  rows<T>(sql: string, timeoutMs?: number): Promise<T[]>;
  /** Runs a statement (ALTER, TRUNCATE); rejects after `timeoutMs` when given. */
  exec(sql: string, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * Pinned on every query. mutations_sync = 1: an ALTER … DELETE returns only once the rows are gone, so the bytes
 * measured afterwards are real. 64-bit integers quoted: byte counts above 2^53 stay exact.
 */
export const SESSION_SETTINGS: ClickHouseSettings = {
  mutations_sync: "1",
  output_format_json_quote_64bit_integers: 1,
};

/**
 * Added to statements (the cleanup's steps) only. ClickHouse refuses to drop a partition or truncate a table
 * above 50 GB by default (max_partition_size_to_drop, max_table_size_to_drop), which a month of observations on
 * a 200 GiB volume can reach: exactly the partition the cleanup must drop. Every step is planned from the
 * retention rules, so the guard is lifted for these statements, per query (ClickHouse 24.1+), not on the server.
 */
export const STATEMENT_SETTINGS: ClickHouseSettings = {
  ...SESSION_SETTINGS,
  max_partition_size_to_drop: "0",
  max_table_size_to_drop: "0",
};

export interface HttpConnection {
  readonly url: string;
  readonly username: string;
  readonly password: string;
  readonly database: string;
  /** Timeout of a single request, milliseconds. */
  readonly requestTimeoutMs: number;
}

/** ClickHouse over HTTP (the function's path). */
export function connectHttp(connection: HttpConnection): ClickHouse {
  return overClient(
    createClient({
      url: connection.url,
      username: connection.username,
      password: connection.password,
      database: connection.database,
      request_timeout: connection.requestTimeoutMs,
      clickhouse_settings: SESSION_SETTINGS,
      // Errors surface in the run's report and its structured log line, not as the client's own console output.
      log: { level: ClickHouseLogLevel.OFF },
    }),
  );
}

/** Adapts any @clickhouse/client (HTTP, or chdb's in-process connection). */
export function overClient(client: ClickHouseClient): ClickHouse {
  return {
    async rows<T>(sql: string, timeoutMs?: number): Promise<T[]> {
      const limited = timeoutMs !== undefined;
      const result = await client.query({
        query: sql,
        format: "JSONEachRow",
        // Whole seconds: ClickHouse 25.2 reads max_execution_time as seconds, and 0 would mean "no limit".
        clickhouse_settings: limited ? { ...SESSION_SETTINGS, max_execution_time: Math.max(1, Math.ceil(timeoutMs / 1000)) } : SESSION_SETTINGS,
        abort_signal: limited ? AbortSignal.timeout(Math.max(1, timeoutMs)) : undefined,
      });
      return result.json<T>();
    },
    async exec(sql: string, timeoutMs?: number): Promise<void> {
      await client.command({
        query: sql,
        clickhouse_settings: STATEMENT_SETTINGS,
        abort_signal: timeoutMs === undefined ? undefined : AbortSignal.timeout(Math.max(1, timeoutMs)),
      });
    },
    close: () => client.close(),
  };
}
