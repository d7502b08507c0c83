// The names of the action's inputs and outputs, in one place (as actions/cache keeps them):
// settings.ts reads the inputs by these names, report/report.ts sets the outputs by them.

export const Inputs = {
  TaskId: 'task-id',
  Api: 'api',
  ApiKey: 'api-key',
  BaseUrl: 'base-url',
  Timeout: 'timeout',
  PollInterval: 'poll-interval',
  MaxPollInterval: 'max-poll-interval',
  FailOnTaskFailure: 'fail-on-task-failure',
  Download: 'download',
  DownloadDir: 'download-dir',
  MaxDownloadSize: 'max-download-size',
  DownloadTimeout: 'download-timeout',
  AllowPrivateDownloads: 'allow-private-downloads',
  UploadArtifact: 'upload-artifact',
  ArtifactName: 'artifact-name',
  ArtifactRetentionDays: 'artifact-retention-days',
  MaxRequestsPerSecond: 'max-requests-per-second',
  Model: 'model',
  Input: 'input',
  CallbackUrl: 'callback-url',
  MinCredits: 'min-credits',
  ReportCredits: 'report-credits',
  CompressionLevel: 'compression-level',
  Archive: 'archive',
  ResumeOnRerun: 'resume-on-rerun',
} as const;

export const Outputs = {
  TaskId: 'taskId',
  State: 'state',
  ApiState: 'apiState',
  Model: 'model',
  ResultUrls: 'resultUrls',
  ResultJson: 'resultJson',
  FailCode: 'failCode',
  FailMsg: 'failMsg',
  CreateTime: 'createTime',
  CompleteTime: 'completeTime',
  PollCount: 'pollCount',
  ElapsedMs: 'elapsedMs',
  Files: 'files',
  DownloadDir: 'downloadDir',
  ArtifactId: 'artifactId',
  ArtifactUrl: 'artifactUrl',
  ArtifactDigest: 'artifactDigest',
  Transcript: 'transcript',
  Language: 'language',
  Tasks: 'tasks',
  Succeeded: 'succeeded',
  Failed: 'failed',
  CreditsBefore: 'creditsBefore',
  CreditsAfter: 'creditsAfter',
  CreditsUsed: 'creditsUsed',
  Truncated: 'truncated',
} as const;

export const API_KEY_ENV = 'KIE_API_KEY';

export type InputName = (typeof Inputs)[keyof typeof Inputs];
export type OutputName = (typeof Outputs)[keyof typeof Outputs];

/**
 * How messages name an input: the action by its input name, the CLI by its option. Core code
 * gets one of these, so neither surface rewrites the other's strings.
 */
export interface InputNames {
  /** Starts a sentence about one input: `Input` or `Option`. */
  noun: string;
  /** The input as a user of this surface knows it: `'timeout'`, `'--timeout'`. */
  of(input: InputName): string;
}

export const ACTION_NAMES: InputNames = {
  noun: 'Input',
  of: (input) => (input === Inputs.ApiKey ? `'${input}' (or ${API_KEY_ENV})` : `'${input}'`),
};
