// Time from spawning `node dist/index.js` (as a runner starts it) to its first request and to its
// exit, for a task that is already done, side by side with a bare Node script that makes the same
// one request: run pair by pair, so a busy machine slows both alike.
//
//   npm run bench:cold-start [-- --runs 20] [-- --inputs report-credits=true,min-credits=1]
//                            [-- --dist /tmp/old/dist/index.js]   (another build, e.g. main's)
//                            [-- --balance-fails]   (the balance endpoint answers 500, always)
import { spawn } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from '../test/support/action.js';
import { startKieServer } from '../test/support/kie-server.js';

const option = (name: string) => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? process.argv[at + 1] : undefined;
};
const RUNS = Number(option('runs') ?? 15);
const DIST = path.resolve(option('dist') ?? path.join(REPO_ROOT, 'dist/index.js'));
// Extra inputs for the action, e.g. report-credits=true: what the balance reads cost.
const EXTRA = Object.fromEntries(
  (option('inputs') ?? '')
    .split(',')
    .filter(Boolean)
    .map((pair) => pair.split('=') as [string, string]),
);

// What the action's one request is, with nothing else: node's own http, no modules loaded.
const BARE_SCRIPT = `
const http = require('node:http');
const url = new URL('/api/v1/jobs/recordInfo?taskId=cold', process.env.KIE_URL);
http.get(url, { headers: { authorization: 'Bearer ' + process.env.KIE_KEY } }, (res) => {
  let body = '';
  res.setEncoding('utf8');
  res.on('data', (chunk) => (body += chunk));
  res.on('end', () => process.stdout.write(JSON.parse(body).data.state + '\\n'));
});
`;

const kie = await startKieServer();
kie.script('cold', [{ state: 'success' }]);
const BALANCE_FAILS = process.argv.includes('--balance-fails');
const FAILING = { status: 500, body: { code: 500, msg: 'try again later' } };

interface Timing {
  firstPollMs: number;
  exitMs: number;
  requests: number;
}

async function time(args: string[], env: NodeJS.ProcessEnv): Promise<Timing> {
  const before = kie.requests.length;
  const started = Date.now();
  const child = spawn(process.execPath, args, { env, stdio: 'ignore' });
  const code = await new Promise((resolve) => child.on('close', resolve));
  const exitMs = Date.now() - started;
  if (code !== 0) throw new Error(`${args.join(' ')} exited with ${String(code)}`);
  const sent = kie.requests.slice(before);
  const poll = sent.find((request) => request.taskId === 'cold');
  if (!poll) throw new Error(`${args.join(' ')} sent no poll`);
  return { firstPollMs: poll.at - started, exitMs, requests: sent.length };
}

const action: Timing[] = [];
const bare: Timing[] = [];
try {
  for (let i = 0; i < RUNS; i++) {
    if (BALANCE_FAILS) kie.scriptCredits(Array.from({ length: 10 }, () => FAILING));
    const inputs = { 'task-id': 'cold', 'api-key': kie.apiKey, 'base-url': kie.url, ...EXTRA };
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH };
    for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.toUpperCase()}`] = value;
    action.push(await time([DIST], env));
    const bareEnv = { PATH: process.env.PATH, KIE_URL: kie.url, KIE_KEY: kie.apiKey };
    bare.push(await time(['-e', BARE_SCRIPT], bareEnv));
  }
} finally {
  await kie.close();
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const cell = (values: number[]) =>
  `${median(values)} ms (${Math.min(...values)}-${Math.max(...values)})`;
const inputsSaid =
  (Object.keys(EXTRA).length
    ? Object.entries(EXTRA)
        .map(([name, value]) => `${name}: ${value}`)
        .join(', ')
    : 'default inputs') + (BALANCE_FAILS ? ', the balance endpoint failing' : '');
console.log(
  `Cold start of ${path.relative(process.cwd(), DIST)} on Node ${process.versions.node}, ${inputsSaid}, ${RUNS} runs ` +
    `paired with a bare node script making the same request; median (min-max)\n`,
);
console.log('| measure | the action | bare node | ratio |');
console.log('|---|---:|---:|---:|');
for (const [name, pick] of [
  ['spawn to the first poll', (timing: Timing) => timing.firstPollMs],
  ['spawn to exit (task already done)', (timing: Timing) => timing.exitMs],
] as const) {
  const ours = action.map(pick);
  const theirs = bare.map(pick);
  const ratio = (median(ours) / median(theirs)).toFixed(1);
  console.log(`| ${name} | ${cell(ours)} | ${cell(theirs)} | ${ratio}x |`);
}
console.log(`| requests sent | ${median(action.map((timing) => timing.requests))} | 1 | |`);
