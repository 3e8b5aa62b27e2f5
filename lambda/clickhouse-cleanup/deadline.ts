import type { ClickHouse } from "./clickhouse";

/*
 * Every query of a run ends by a deadline derived from the time budget, so a ClickHouse that accepts connections
 * but answers slowly cannot hold the function until Lambda kills it: the run always keeps time to report. Each
 * query gets the time left as its own limit (server side and client side), and a timer of the same length bounds
 * it here too, whatever the client does with the limit.
 */

/**
 * Time the handler keeps back from the Lambda timeout, after the budget: half for measuring the tables after the
 * last step, half for publishing the report. The construct's timeout (budget + 60 s) leaves room for it.
 */
export const REPORTING_RESERVE_MS = 20_000;

/** A query was cut off by the run's deadline, or was not started because the deadline had passed. */
export class TimeBudgetExhausted extends Error {
  constructor(
    /** Whether the query had been sent: a statement cut off may still complete inside ClickHouse. */
    readonly started: boolean,
    limitMs: number,
    cause?: unknown,
  ) {
    super(started ? `time budget exhausted: no answer within the ${limitMs} ms left` : "time budget exhausted before the query started", { cause });
    this.name = "TimeBudgetExhausted";
  }
}

/** ClickHouse's TIMEOUT_EXCEEDED: max_execution_time stopped the query on the server. */
const SERVER_TIMEOUT_CODE = "159";

function serverTimedOut(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === SERVER_TIMEOUT_CODE;
}

/** `clickhouse` with every query limited to the time left until `deadline` (epoch ms on `clock`). */
export function withDeadline(clickhouse: ClickHouse, deadline: number, clock: () => number): ClickHouse {
  async function bounded<R>(run: (timeoutMs: number) => Promise<R>): Promise<R> {
    const limitMs = deadline - clock();
    if (limitMs <= 0) throw new TimeBudgetExhausted(false, 0);
    let timer: NodeJS.Timeout | undefined;
    let expired = false;
    const expiry = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        expired = true;
        reject(new TimeBudgetExhausted(true, limitMs));
      }, limitMs);
    });
    const attempt = run(limitMs);
    // The attempt may settle after the timer has won the race; its outcome no longer matters then.
    attempt.catch(() => undefined);
    try {
      return await Promise.race([attempt, expiry]);
    } catch (error) {
      if (error instanceof TimeBudgetExhausted) throw error;
      // The client's own abort (the same limit) or the server's max_execution_time may answer first.
      if (expired || serverTimedOut(error) || clock() >= deadline) throw new TimeBudgetExhausted(true, limitMs, error);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }
  return {
    rows: <T>(sql: string) => bounded((timeoutMs) => clickhouse.rows<T>(sql, timeoutMs)),
    exec: (sql: string) => bounded((timeoutMs) => clickhouse.exec(sql, timeoutMs)),
    close: () => clickhouse.close(),
  };
}
