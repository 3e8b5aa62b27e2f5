/*
 * Structured logs: one JSON object per line, so CloudWatch Logs Insights can filter on any field
 * (e.g. `filter event = "table-freed" | stats sum(bytesFreed) by table`).
 */
export type LogLevel = "info" | "warn" | "error";

export type LogSink = (line: string) => void;

export interface Logger {
  log(level: LogLevel, event: string, fields?: Record<string, unknown>): void;
}

export function createLogger(sink: LogSink = (line) => process.stdout.write(line + "\n")): Logger {
  return {
    log(level, event, fields = {}) {
      sink(JSON.stringify({ time: new Date().toISOString(), level, event, ...fields }));
    },
  };
}
