// Creating a task instead of waiting for one: which inputs that takes depends on the API family
// (Market needs a model, most others take none, Suno requires a callback URL). Pure, so the
// settings schema can report every mistake at once.
import { Inputs, type InputName, type InputNames } from './constants.js';
import { apiFamily, type ApiFamily } from '../kie/apis/index.js';

export interface CreateInputs {
  [Inputs.TaskId]: string[];
  [Inputs.Api]: string;
  [Inputs.Model]: string;
  [Inputs.Input]: Record<string, unknown> | undefined;
  [Inputs.CallbackUrl]: string;
}

/** Market creates with a model; the other families with a model (where they take one) or input. */
export function creates(
  s: Pick<CreateInputs, typeof Inputs.Model | typeof Inputs.Input>,
  family: ApiFamily,
): boolean {
  return Boolean(s[Inputs.Model] || (family.create.model !== 'required' && s[Inputs.Input]));
}

/** The mistakes in how the inputs ask to create (or wait for) a task, one message each. */
export function createProblems(
  s: CreateInputs,
  names: InputNames,
): { input: InputName; message: string }[] {
  const subject = (input: InputName) => `${names.noun} ${names.of(input)}`;
  const problems: { input: InputName; message: string }[] = [];
  const problem = (input: InputName, message: string) => problems.push({ input, message });
  const family = apiFamily(s[Inputs.Api]);
  if (!family) return []; // already reported: what the rest would say depends on it
  const { model, callbackRequired } = family.create;
  const creating = creates(s, family);
  const asked = s[Inputs.Model] ? Inputs.Model : Inputs.Input;
  if (creating && s[Inputs.TaskId].length > 0) {
    problem(
      asked,
      `Give either ${names.of(Inputs.TaskId)} (to wait for a task) or ${names.of(asked)} (to create one), not both.`,
    );
  } else if (!creating && s[Inputs.TaskId].length === 0) {
    const toCreate = model === 'required' ? Inputs.Model : Inputs.Input;
    problem(
      Inputs.TaskId,
      `${subject(Inputs.TaskId)} is required: the id returned by createTask (or give ${names.of(toCreate)}${toCreate === Inputs.Model ? ` and ${names.of(Inputs.Input)}` : ''} to create the task here).`,
    );
  }
  if (!creating && (s[Inputs.Input] || s[Inputs.CallbackUrl])) {
    problem(
      Inputs.Input,
      model === 'required'
        ? `${names.noun}s ${names.of(Inputs.Input)} and ${names.of(Inputs.CallbackUrl)} need ${names.of(Inputs.Model)}.`
        : `${subject(Inputs.CallbackUrl)} needs ${names.of(Inputs.Input)}.`,
    );
  }
  if (model === 'none' && s[Inputs.Model]) {
    problem(
      Inputs.Model,
      `${subject(Inputs.Model)} is not used with ${names.of(Inputs.Api)} ${family.name}: ${family.label}'s create request has no model field. Put every field in ${names.of(Inputs.Input)}.`,
    );
  }
  if (creating && callbackRequired && !s[Inputs.CallbackUrl]) {
    problem(
      Inputs.CallbackUrl,
      `${subject(Inputs.CallbackUrl)} is required with ${names.of(Inputs.Api)} ${family.name}: Kie.ai refuses ${family.label} requests without a callBackUrl. Give any URL you control; the action polls and does not need the callback.`,
    );
  }
  return problems;
}
