// `kie-task create --state-file`: the re-run record in a file, for CI systems that keep the
// workspace when they retry a job. One task per request hash, so commands can share a file; it is
// written whole to a temporary file and renamed, so a reader never sees half of it.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { Logger } from '../logger.js';
import { recordedTaskId, type RerunStore } from '../run/resume.js';

const stateSchema = z.object({
  tasks: z.record(z.string(), z.object({ taskId: recordedTaskId, createdAt: z.string() })),
});
type State = z.infer<typeof stateSchema>;

export function stateFileStore(file: string, logger: Logger): RerunStore {
  /** What the file holds; empty when it does not exist yet, or (after a warning) is not ours. */
  const read = async (): Promise<State> => {
    let text;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { tasks: {} };
      throw error;
    }
    const state = stateSchema.safeParse(parseJson(text));
    if (state.success) return state.data;
    logger.warning(`--state-file ${file} holds no kie-task state; it will be written anew.`);
    return { tasks: {} };
  };
  return {
    async find(request) {
      try {
        const taskId = (await read()).tasks[request]?.taskId;
        return taskId ? { taskId, createdBy: 'an earlier run' } : undefined;
      } catch (error) {
        logger.warning(`Could not read --state-file ${file}: ${(error as Error).message}`);
        return undefined;
      }
    },
    async save(request, taskId) {
      try {
        const state = await read();
        state.tasks[request] = { taskId, createdAt: new Date().toISOString() };
        await mkdir(path.dirname(file), { recursive: true });
        const partial = `${file}.${process.pid}.tmp`;
        await writeFile(partial, `${JSON.stringify(state, null, 2)}\n`);
        await rename(partial, file);
      } catch (error) {
        logger.warning(
          `Could not record task ${taskId} in --state-file ${file}: ${(error as Error).message}`,
        );
      }
    },
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
