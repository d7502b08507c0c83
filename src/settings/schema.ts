// The rules every input must follow, as one zod schema. settings.ts reads the inputs and runs it.
import { z } from 'zod';
import { parse as parseYaml } from 'yaml';
import { API_KEY_ENV, Inputs, type InputName, type InputNames } from './constants.js';
import { createProblems } from './create-inputs.js';
import { API_NAMES, apiFamily } from '../kie/apis/index.js';
import { parseDuration, parseSize } from './units.js';

const DURATION_HELP = 'a duration such as 90 (seconds), 250ms, 90s, 15m, 1h or 1h30m';
const SIZE_HELP = 'a size in bytes or with KB, MB or GB, such as 500MB or 2GB';
const MAX_REQUESTS_PER_SECOND = 100;
/** One request every 16 minutes 40 seconds: slower is no use to anyone. */
const MIN_REQUESTS_PER_SECOND = 0.001;
/** The longest value, in hours, of the durations that have a limit below Node's timers'. */
const LONGEST = [
  [Inputs.PollInterval, 1],
  [Inputs.MaxPollInterval, 1],
  [Inputs.DownloadTimeout, 24],
] as const;

/**
 * The schema of the raw inputs, keyed by input name so that every issue's path is the input at
 * fault; its messages name inputs as `names` says (the action's inputs, or the CLI's options).
 */
export function settingsSchema(names: InputNames) {
  const subject = (input: InputName) => `${names.noun} ${names.of(input)}`;
  const problem = (ctx: z.RefinementCtx, input: InputName, message: string) =>
    ctx.addIssue({ code: 'custom', path: [input], message });

  /** An input in human units, read by `parse`; only positive values make sense, but for timeout. */
  const positiveAmount = (
    input: InputName,
    parse: (text: string) => number | undefined,
    help: string,
    allowZero = false,
  ) =>
    z.string().transform((text, ctx) => {
      const value = parse(text);
      if (value === 0 && !allowZero) {
        // A valid duration or size, just not one this input can take.
        problem(ctx, input, `${subject(input)} must be more than 0 (got '${text}').`);
        return z.NEVER;
      }
      // Stryker disable next-line ConditionalExpression: neither parser reads a sign; a guard for later ones
      if (value === undefined || value < 0) {
        problem(ctx, input, `${subject(input)} must be ${help} (got '${text}').`);
        return z.NEVER;
      }
      return value;
    });
  const duration = (input: InputName) => positiveAmount(input, parseDuration, DURATION_HELP);
  const size = (input: InputName) => positiveAmount(input, parseSize, SIZE_HELP);

  // YAML 1.2 core booleans, as @actions/core's getBooleanInput accepts, with our own message.
  const boolean = (input: InputName) =>
    z.string().transform((text, ctx) => {
      if (['true', 'True', 'TRUE'].includes(text)) return true;
      if (['false', 'False', 'FALSE'].includes(text)) return false;
      problem(ctx, input, `${subject(input)} must be true or false (got '${text}').`);
      return z.NEVER;
    });

  // YAML is a superset of JSON, so one parser reads both forms of `input`.
  const taskInput = z.string().transform((text, ctx) => {
    if (text === '') return undefined;
    let value: unknown;
    try {
      value = parseYaml(text);
    } catch (error) {
      problem(
        ctx,
        Inputs.Input,
        `${subject(Inputs.Input)} is not valid JSON or YAML (${yamlProblem(error as Error)}).`,
      );
      return z.NEVER;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      problem(
        ctx,
        Inputs.Input,
        `${subject(Inputs.Input)} must be a JSON object or a YAML mapping of the model's parameters.`,
      );
      return z.NEVER;
    }
    return value as Record<string, unknown>;
  });

  /** A string input that `check` must accept; the message echoes what was given. */
  const refined = (input: InputName, check: (text: string) => boolean, allowed: string) =>
    z.string().superRefine((text, ctx) => {
      if (!check(text))
        problem(ctx, input, `${subject(input)} must be ${allowed} (got '${text}').`);
    });

  return (
    z
      .object({
        // One id, or several separated by new lines, commas or spaces.
        // Stryker disable next-line Regex: filter(Boolean) drops the empty ids a lone separator leaves
        [Inputs.TaskId]: z.string().transform((text) => text.split(/[\s,]+/).filter(Boolean)),
        [Inputs.Api]: refined(
          Inputs.Api,
          (name) => apiFamily(name) !== undefined,
          `one of ${API_NAMES.join(', ')}`,
        ),
        [Inputs.Model]: z.string(),
        [Inputs.Input]: taskInput,
        [Inputs.CallbackUrl]: refined(
          Inputs.CallbackUrl,
          (text) => text === '' || isHttpUrl(text),
          'an http(s) URL',
        ),
        [Inputs.ApiKey]: z
          .string()
          .min(
            1,
            // Only the action gets here: the CLI reads the key from the environment alone.
            `${names.noun} '${Inputs.ApiKey}' is required (or set the ${API_KEY_ENV} environment variable).`,
          )
          .superRefine((key, ctx) => {
            // A character no HTTP header can carry (a pasted zero-width space) would fail every
            // request as if base-url were down. The key itself is never echoed.
            const at = key.search(/[^\x21-\x7e]/);
            if (at === -1) return;
            const code = key.codePointAt(at)!.toString(16).toUpperCase().padStart(4, '0');
            problem(
              ctx,
              Inputs.ApiKey,
              `${subject(Inputs.ApiKey)} must be printable ASCII without spaces, as Kie.ai API keys are (character ${at + 1}, U+${code}, is not).`,
            );
          }),
        [Inputs.BaseUrl]: refined(
          Inputs.BaseUrl,
          isHttpUrl,
          'an http(s) URL such as https://api.kie.ai',
        ).superRefine((text, ctx) => {
          // Credentials in it would be printed with every message that names the host.
          const url = URL.parse(text);
          if (url && (url.username || url.password)) {
            url.username = url.password = '';
            problem(
              ctx,
              Inputs.BaseUrl,
              `${subject(Inputs.BaseUrl)} must not hold a user name or password; the API key is all Kie.ai needs (got '${url.href.replace(/\/$/, '')}' with them).`,
            );
          }
        }),
        // 0 (or less than poll-interval) is a timeout too: poll once, or until it, then stop.
        [Inputs.Timeout]: positiveAmount(Inputs.Timeout, parseDuration, DURATION_HELP, true),
        [Inputs.PollInterval]: duration(Inputs.PollInterval),
        [Inputs.MaxPollInterval]: duration(Inputs.MaxPollInterval),
        [Inputs.FailOnTaskFailure]: boolean(Inputs.FailOnTaskFailure),
        [Inputs.MaxRequestsPerSecond]: refined(
          Inputs.MaxRequestsPerSecond,
          // A floor, so the spacing between requests (1000 / rate ms) is a number a timer can take.
          (text) =>
            Number(text) >= MIN_REQUESTS_PER_SECOND && Number(text) <= MAX_REQUESTS_PER_SECOND,
          `a number from ${MIN_REQUESTS_PER_SECOND} to ${MAX_REQUESTS_PER_SECOND}, such as 1.5`,
        ).transform(Number),
        [Inputs.Download]: boolean(Inputs.Download),
        [Inputs.DownloadDir]: z.string(),
        [Inputs.MaxDownloadSize]: size(Inputs.MaxDownloadSize),
        [Inputs.DownloadTimeout]: duration(Inputs.DownloadTimeout),
        [Inputs.AllowPrivateDownloads]: boolean(Inputs.AllowPrivateDownloads),
        [Inputs.UploadArtifact]: boolean(Inputs.UploadArtifact),
        [Inputs.ArtifactName]: z.string(),
        [Inputs.ArtifactRetentionDays]: refined(
          Inputs.ArtifactRetentionDays,
          (text) => text === '' || /^(?:[1-9]|[1-8]\d|90)$/.test(text),
          'a whole number of days from 1 to 90',
        ).transform((text) => (text === '' ? undefined : Number(text))),
        [Inputs.ResumeOnRerun]: boolean(Inputs.ResumeOnRerun),
        [Inputs.MinCredits]: refined(
          Inputs.MinCredits,
          (text) => text === '' || /^\d+(\.\d+)?$/.test(text),
          'a number of credits, such as 50 or 12.5',
        ).transform((text) => (text === '' ? undefined : Number(text))),
        [Inputs.ReportCredits]: boolean(Inputs.ReportCredits),
        // As upload-artifact takes it; empty: chosen by what the files are (see results/artifact.ts).
        [Inputs.CompressionLevel]: refined(
          Inputs.CompressionLevel,
          (text) => text === '' || /^\d$/.test(text),
          'a whole number from 0 (no compression) to 9 (best)',
        ).transform((text) => (text === '' ? undefined : Number(text))),
        [Inputs.Archive]: boolean(Inputs.Archive),
      })
      // These only read strings, so they run even when other inputs are wrong: every mistake is
      // reported at once.
      .superRefine(
        (s, ctx) => {
          for (const { input, message } of createProblems(s, names)) problem(ctx, input, message);
        },
        { when: () => true },
      )
      .superRefine((s, ctx) => {
        // Past these a wait is a mistake, and past 24.8 days Node's timers would fire at once.
        for (const [input, hours] of LONGEST) {
          if (s[input] > hours * 3_600_000) {
            problem(ctx, input, `${subject(input)} must be at most ${hours}h.`);
          }
        }
        if (s[Inputs.MaxPollInterval] < s[Inputs.PollInterval]) {
          problem(
            ctx,
            Inputs.MaxPollInterval,
            `${subject(Inputs.MaxPollInterval)} must not be shorter than ${names.of(Inputs.PollInterval)}.`,
          );
        }
      })
  );
}

/** "line 2, column 1: map keys must be unique", from the yaml library's multi-line message. */
function yamlProblem(error: Error & { linePos?: { line: number; col: number }[] }): string {
  const first = error.message.split('\n')[0]!;
  // yaml adds " at line L, column C" to its message, and ":" when the line it then quotes has text.
  // Stryker disable next-line Regex: yaml adds the position last, and an error's line has text (the \d mutants die too)
  const what = first.replace(/ at line \d+, column \d+:?$/, '');
  const said = what.charAt(0).toLowerCase() + what.slice(1);
  const at = error.linePos?.[0];
  return at ? `line ${at.line}, column ${at.col}: ${said}` : said;
}

function isHttpUrl(text: string): boolean {
  try {
    return ['http:', 'https:'].includes(new URL(text).protocol);
  } catch {
    return false;
  }
}
