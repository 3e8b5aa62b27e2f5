import { DescribeAlarmsCommand, type CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { ENV } from "./config";

/*
 * The disk alarm starts a cleanup when it enters ALARM and does not fire again while it stays there, so a run that
 * could not bring usage under the threshold would get no second chance. A schedule invokes the function every 30
 * minutes, and such a run goes ahead only while the alarm is in ALARM, within a window after it entered ALARM:
 * - not in the first 20 minutes: the alarm's own run (15 minutes at most, Lambda's limit) is then over, so a
 *   retry never overlaps it (nor another retry, 30 minutes apart);
 * - not after 6 hours: a dozen runs that could not free enough space would only repeat the same report; by then
 *   a person has to look (the alarm's e-mail said so hours ago).
 */

export const RETRY_NOT_BEFORE_MS = 20 * 60_000;
export const RETRY_NOT_AFTER_MS = 6 * 3_600_000;
/** One small read; an unreachable CloudWatch API must not hold the function. */
const DESCRIBE_TIMEOUT_MS = 10_000;

export type RetryDecision =
  | { readonly run: true; readonly inAlarmSince?: string }
  | { readonly run: false; readonly reason: string; readonly alarmState?: string };

/** Whether a scheduled retry should clean up now, from the disk alarm's state. */
export async function retryDecision(cloudwatch: CloudWatchClient, alarmName: string | undefined, now: number): Promise<RetryDecision> {
  if (!alarmName) return { run: false, reason: `${ENV.diskAlarmName} is not set` };
  const response = await cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: [alarmName], AlarmTypes: ["MetricAlarm"] }), {
    abortSignal: AbortSignal.timeout(DESCRIBE_TIMEOUT_MS),
  });
  const alarm = response.MetricAlarms?.[0];
  if (!alarm) return { run: false, reason: `alarm ${alarmName} not found` };
  const alarmState = alarm.StateValue ?? "unknown";
  if (alarmState !== "ALARM") return { run: false, reason: "the alarm is not in ALARM", alarmState };
  // StateUpdatedTimestamp also moves on changes that keep the state; the transition time is the one that counts.
  const since = alarm.StateTransitionedTimestamp ?? alarm.StateUpdatedTimestamp;
  if (!since) return { run: true };
  const ageMs = now - since.getTime();
  if (ageMs < RETRY_NOT_BEFORE_MS) return { run: false, reason: "the alarm entered ALARM less than 20 minutes ago: its own run covers it", alarmState };
  if (ageMs > RETRY_NOT_AFTER_MS) return { run: false, reason: "the alarm has been in ALARM for more than 6 hours: retries have stopped", alarmState };
  return { run: true, inAlarmSince: since.toISOString() };
}
