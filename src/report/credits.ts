// What the report says of spend: the balance before and after, the credits a step used, a task's own cost.
import type { TaskRecord } from '../kie/schema.js';

/** The account's balance when the step started and after its last task; unset when unreadable. */
export interface CreditReport {
  before?: number;
  after?: number;
  /** Not read at all: the timeout left no request for it. */
  skipped?: boolean;
}

/** Before minus after, to the cent: float subtraction leaves 5.319999999999993. */
export function creditsUsed({ before, after }: CreditReport): number | undefined {
  if (before === undefined || after === undefined) return undefined;
  return Math.round((before - after) * 100) / 100;
}

/** What a task's record says it cost, for its element of `tasks`: only the fields it carries. */
export function taskCost(record: TaskRecord | undefined) {
  return {
    ...(record?.creditsConsumed != null && { creditsConsumed: record.creditsConsumed }),
    ...(record?.costTime != null && { costTime: record.costTime }),
  };
}
