// The CLI's --help: every command, option and exit code.
import { API_KEY_ENV } from '../settings/constants.js';
import { API_NAMES } from '../kie/apis/index.js';
import { VERSION } from '../version.js';

export const HELP = `kie-task ${VERSION}: wait for a Kie.ai task and fetch its results.

Usage: kie-task wait <task-id>... [options]
       kie-task create [--api <api>] [--model <model>] [--input <json|yaml|@file>] [options]
       kie-task credits [--min-credits <n>] [--json] [--base-url <url>]
                        [--poll-interval <duration>] [--max-requests-per-second <n>]

Commands:
  wait     wait for one or more tasks (ids separated by spaces or commas)
  create   create a task from --model and --input, then wait for it; a request that may
           have created the task is never repeated, so nothing is billed twice. The new
           task's id is the first line on stdout: id=$(kie-task create ... | head -n1)
  credits  print the account's credit balance ({"credits": <n>} with --json)
create, --min-credits and --report-credits read the balance before and after too (creditsBefore,
creditsAfter, creditsUsed); a plain wait does not.

Options:
  --api <api>                     the Kie.ai API the tasks belong to (default market); one of
                                  ${wrap(API_NAMES)}
  --model <model>                 create: the model to run (Market needs one; veo, suno and
                                  flux-kontext take one; the other APIs none: --input alone)
  --input <json|yaml|@file>       create: the model's parameters (other APIs: the request's
                                  fields), as JSON or YAML, inline or from a file
  --callback-url <url>            create: the callBackUrl Kie.ai notifies when the task ends
                                  (required by the suno APIs but suno-voice*)
  --timeout <duration>            total time to wait (default 30m)
  --poll-interval <duration>      first and shortest wait between polls (default 2s)
  --max-poll-interval <duration>  longest wait between polls (default 30s)
  --download <dir>                download the results (or write the transcript) into <dir>
  --max-download-size <size>      largest file to download (default 2GB)
  --download-timeout <duration>   time for all of a task's downloads together (default 10m)
  --allow-private-downloads       download from private and loopback addresses, although
                                  --base-url is on none (link-local never)
  --max-requests-per-second <n>   request budget shared by all tasks (default 1.5)
  --base-url <url>                Kie.ai API base URL (default https://api.kie.ai)
  --min-credits <n>               fail (exit 6) if the balance is below <n>: create creates
                                  nothing, wait stops
  --report-credits                wait: read the balance before and after, for the credit
                                  fields (create reads it anyway)
  --state-file <path>             create: record the task in <path>; when it already holds a
                                  task for the same request, wait for that one instead (a
                                  failed one is replaced), so a retried job pays once
  --no-fail                       exit 0 even when the task ends in fail
  --json                          print one JSON object with the action's output fields
  -h, --help                      show this help
  -v, --version                   show the version

Durations: 90 (seconds), 250ms, 90s, 15m, 1h, 1h30m. Sizes: bytes, or 512KB, 500MB, 2GB.
The API key comes from the ${API_KEY_ENV} environment variable. Set KIE_DEBUG=1 for debug
lines (each poll's timing, each download) and a stack trace on an internal error.

Exit codes:
  0  the task succeeded (or failed, with --no-fail)
  1  the task failed
  2  usage error: a bad option or value, or no API key
  3  timed out
  4  the Kie.ai API refused: bad key, no credits, unknown task, balance unreadable
     with --min-credits ...
  5  the results could not be downloaded or written
  6  the balance is below --min-credits: nothing was created, or the wait stopped
  70 an unexpected internal error
  130 cancelled (Ctrl-C, SIGINT or SIGTERM): still-running task ids are printed
`;

/** The API names as lines that fit the help's option column. */
function wrap(names: string[]): string {
  const lines: string[] = [];
  for (const name of names) {
    const last = lines.at(-1);
    if (last !== undefined && last.length + name.length + 2 <= 46)
      lines[lines.length - 1] = `${last}, ${name}`;
    else lines.push(name);
  }
  return lines.join(',\n                                  ');
}
