/** What core code may say. action/main.ts backs it with @actions/core, tests with an array. */
export interface Logger {
  info(message: string): void;
  warning(message: string): void;
  debug(message: string): void;
  /** Lines until endGroup fold under `title` (a ::group:: on a runner); optional for a logger. */
  startGroup?(title: string): void;
  endGroup?(): void;
}

export const silentLogger: Logger = { info() {}, warning() {}, debug() {} };
