// Mutation testing (Stryker), one source file at a time with only the tests that are about it:
// the whole suite per mutant would take hours, and a file's own tests are the ones that should
// catch its bugs. Not part of CI (too slow for every push); see CONTRIBUTING.md.
//
//   npm run mutate                                  every core file below, one after another
//   npm run mutate -- src/settings/units.ts         one file, with its tests from the table
//   npm run mutate -- src/x.ts test/x.test.ts       one file, with the test files given
//   npm run mutate -- --static src/settings/units.ts   static mutants too (module-level tables), afresh
//   npm run mutate -- --force ...                   ignore the incremental results, run them all
//
// A file that is not in the table and is given without tests runs with vitest's related tests
// (every test file that imports it, directly or not). Exits 1 when a file scores under 90%.
import path from 'node:path';
import Stryker from '@stryker-mutator/core';

const BREAK_AT = 90;
// Stryker's own mutation score: compile errors, runtime errors and ignored mutants do not count.
const DETECTED = ['Killed', 'Timeout'];
const VALID = [...DETECTED, 'Survived', 'NoCoverage'];

/** The core files (a glob mutates its files in one run) and the test files that are about them. */
const CORE = {
  'src/settings/units.ts': ['test/units.test.ts', 'test/settings.test.ts'],
  'src/action/limits.ts': ['test/limits.test.ts'],
  'src/settings/schema.ts': ['test/settings.test.ts'],
  'src/kie/apis/*.ts': [
    'test/apis.test.ts',
    'test/families.test.ts',
    'test/record-values.test.ts',
    'test/record-shapes.test.ts',
  ],
  'src/kie/faults.ts': [
    'test/faults.test.ts',
    'test/refusals.test.ts',
    'test/wait.test.ts',
    'test/record-values.test.ts',
  ],
  'src/results/naming.ts': ['test/naming.test.ts'],
  'src/wait/schedule.ts': ['test/schedule.test.ts'],
  'src/wait/budget.ts': ['test/budget.test.ts'],
};

const args = process.argv.slice(2);
const flags = new Set(args.filter((arg) => arg.startsWith('--')));
const unknown = [...flags].filter((flag) => flag !== '--static' && flag !== '--force');
if (unknown.length > 0) {
  console.error(`Unknown option ${unknown.join(', ')}: only --static and --force are known.`);
  process.exit(2);
}
const paths = args.filter((arg) => !arg.startsWith('--')).map((arg) => path.normalize(arg));
const sources = paths.filter((file) => file.startsWith('src' + path.sep));
const tests = paths.filter((file) => !sources.includes(file));
if (tests.length > 0 && sources.length !== 1) {
  console.error(
    'Give test files with exactly one source file: npm run mutate -- src/x.ts test/x.test.ts',
  );
  process.exit(2);
}

/** The table's tests for a file, also when it is one file of a glob (`src/kie/apis/veo.ts`). */
function testsInTable(source) {
  const file = source.split(path.sep).join('/');
  const key = Object.keys(CORE).find((glob) => path.matchesGlob(file, glob));
  return key && CORE[key];
}

const scores = new Map();
for (const source of sources.length > 0 ? sources : Object.keys(CORE)) {
  const testFiles = tests.length > 0 ? tests : testsInTable(source);
  const name = source
    .replace(/^src[/\\]/, '')
    .replace(/[/\\]/g, '-')
    .replace(/-?\*?\.ts$/, '');
  const results = await new Stryker({
    mutate: [source],
    ...(testFiles && { testFiles }),
    ignoreStatic: !flags.has('--static'),
    // A static mutant is covered by no test in particular, so an incremental run would keep its
    // last result whatever the tests became: static runs start afresh.
    force: flags.has('--force') || flags.has('--static'),
    // Static mutants are tested apart, so they keep their own incremental results.
    incrementalFile: `reports/mutation/${name}${flags.has('--static') ? '.static' : ''}.json`,
    htmlReporter: { fileName: `reports/mutation/${name}.html` },
  }).runMutationTest();
  for (const result of results) {
    const file = path.relative(process.cwd(), result.fileName);
    const counts = scores.get(file) ?? { detected: 0, valid: 0 };
    if (DETECTED.includes(result.status)) counts.detected++;
    if (VALID.includes(result.status)) counts.valid++;
    scores.set(file, counts);
  }
}

console.log(
  '\nMutation score per file (killed or timed out, of the mutants that compile and run):',
);
for (const [source, { detected, valid }] of scores) {
  const percent = valid === 0 ? 100 : (100 * detected) / valid;
  const mark = percent < BREAK_AT ? `  < ${BREAK_AT}%` : '';
  console.log(`  ${percent.toFixed(1).padStart(5)}%  ${detected}/${valid}  ${source}${mark}`);
}
if (
  [...scores.values()].some(
    ({ detected, valid }) => valid > 0 && (100 * detected) / valid < BREAK_AT,
  )
) {
  process.exitCode = 1;
}
