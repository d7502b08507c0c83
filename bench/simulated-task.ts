// What the benchmarks' simulated Kie.ai answers: a task created at CREATED_AT that is generating
// until its duration has passed, then done.
import type { TaskRecord } from '../src/kie/schema.js';

/** The virtual clocks' epoch time when the tasks are created (t = 0). */
export const CREATED_AT = 1_700_000_000_000;

export function simulatedRecord(taskId: string, done: boolean): TaskRecord {
  return {
    taskId,
    state: done ? 'success' : 'generating',
    apiState: done ? 'success' : 'generating',
    stateDocumented: true,
    model: 'bench',
    resultJson: '',
    resultUrls: [],
    warnings: [],
    failCode: '',
    failMsg: '',
    createTime: CREATED_AT,
  };
}
