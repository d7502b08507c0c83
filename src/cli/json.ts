// What `kie-task --json` prints: the action's output fields with types a script can rely on. An
// output is a string, so the action writes a missing number as ''; here a number is a number or
// null. Fields that cannot apply outside a runner (the artifact, the cut outputs) are left out.
import { Outputs, type OutputName } from '../settings/constants.js';
import type { reportFields } from '../report/report.js';

const NOT_FOR_THE_CLI: OutputName[] = [
  Outputs.ArtifactId,
  Outputs.ArtifactUrl,
  Outputs.ArtifactDigest,
  Outputs.Truncated,
];
const NUMBERS: string[] = [
  Outputs.CreateTime,
  Outputs.CompleteTime,
  Outputs.CreditsBefore,
  Outputs.CreditsAfter,
  Outputs.CreditsUsed,
];

const numberOrNull = (value: unknown) => (typeof value === 'number' ? value : null);

/** The fields as --json prints them. */
export function jsonFields(fields: ReturnType<typeof reportFields>): Record<string, unknown> {
  const typed = (object: Record<string, unknown>) =>
    Object.fromEntries(
      Object.entries(object).map(([name, value]) => [
        name,
        NUMBERS.includes(name) ? numberOrNull(value) : value,
      ]),
    );
  const kept = Object.entries(fields).filter(
    ([name]) => !NOT_FOR_THE_CLI.includes(name as OutputName),
  );
  const json = typed(Object.fromEntries(kept));
  json[Outputs.Tasks] = (fields[Outputs.Tasks] as Record<string, unknown>[]).map(typed);
  return json;
}
