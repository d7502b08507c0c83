// `npm run demo`: the built action (dist/index.js), run as a runner runs it, against the local
// Kie simulator and media host. No key and no network needed.
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { REPO_ROOT, runDist } from '../test/support/action.js';
import { FAMILIES, sunoSuccess } from '../test/support/kie-families.js';
import { startKieServer } from '../test/support/kie-server.js';
import { startMediaServer } from '../test/support/media-server.js';
import { demoMp3, demoPng, readableLog, summaryAsText, type Rgb } from './demo-support.js';

// The documented records, created just now (their createTime is from 2023).
const seed = (name: string) => ({
  ...JSON.parse(readFileSync(path.join(REPO_ROOT, 'test/fixtures', `${name}.json`), 'utf8')).data,
  createTime: Date.now(),
});
const outDir = path.join(REPO_ROOT, 'kie-results', 'demo');

// Each run starts clean: downloads into a folder that already holds a name get a new one.
await rm(outDir, { recursive: true, force: true });
const kie = await startKieServer();
const media = await startMediaServer();
const running = [
  { state: 'waiting' },
  { state: 'queuing' },
  { state: 'generating' },
  { state: 'generating' },
];

/** A real PNG at `path`: a sky from `top` to `bottom` with a sun. */
const png = (path: string, size: [number, number], top: Rgb, bottom: Rgb, sun: Rgb) =>
  media.route(path, { body: demoPng(...size, top, bottom, sun), contentType: 'image/png' });

const image = seed('image');
kie.script('demo-image', [...running, { state: 'success' }], {
  ...image,
  resultJson: JSON.stringify({
    resultUrls: [
      png('/files/banana-hero.png', [640, 480], [255, 214, 10], [255, 120, 40], [255, 252, 230]),
      png('/files/banana-hero-2', [480, 480], [40, 60, 160], [230, 110, 150], [255, 240, 140]),
    ],
  }),
});
kie.script(
  'demo-transcript',
  [{ state: 'generating' }, { state: 'success' }],
  seed('speech-to-text'),
);
kie.script(
  'demo-failed',
  [
    { state: 'queuing' },
    {
      state: 'fail',
      record: { failCode: '400', failMsg: 'The prompt was flagged by the content filter' },
    },
  ],
  { model: seed('video').model },
);

kie.scriptCreate([
  {
    taskId: 'demo-created',
    replies: [{ state: 'queuing' }, { state: 'generating' }, { state: 'success' }],
  },
]);

// Other Kie.ai APIs, in their own documented shapes (test/support/kie-families.ts).
const veo = FAMILIES.find((family) => family.api === 'veo')!;
kie.scriptCreate(
  [
    {
      taskId: 'demo-veo',
      // Created just now, as the Market seeds above (the docs' times are from 2025).
      replies: [
        { data: { ...veo.running[0], createTime: new Date().toISOString() } },
        { data: { ...veo.running[0], createTime: new Date().toISOString() } },
        {
          data: {
            ...veo.success([
              // A real MP4 (H.264, 160x90), recorded once by scripts/record-demo-video.html.
              media.route('/veo/paper-boat.mp4', {
                body: readFileSync(path.join(REPO_ROOT, 'test/fixtures/media/paper-boat.mp4')),
                contentType: 'video/mp4',
              }),
            ]),
            createTime: new Date().toISOString(),
            completeTime: new Date(Date.now() + 2_000).toISOString(),
          },
        },
      ],
    },
  ],
  'veo',
);
const suno = FAMILIES.find((family) => family.api === 'suno')!;
kie.script(
  'demo-suno',
  [
    ...suno.running.map((data) => ({ data })),
    {
      data: sunoSuccess('SUCCESS', [
        media.route('/suno/neon-1.mp3', { body: demoMp3(6), contentType: 'audio/mpeg' }),
        media.route('/suno/neon-2.mp3', { body: demoMp3(5), contentType: 'audio/mpeg' }),
        png('/suno/neon-1.png', [300, 300], [120, 20, 160], [255, 90, 160], [255, 230, 120]),
        png('/suno/neon-2.png', [300, 300], [20, 120, 160], [90, 230, 200], [255, 230, 120]),
      ]),
    },
  ],
  {},
  'suno',
);

const demos: { title: string; inputs: Record<string, string> }[] = [
  {
    title: 'An image task, downloaded (upload-artifact skips with a warning outside a runner)',
    inputs: { 'task-id': 'demo-image', download: 'true', 'upload-artifact': 'true' },
  },
  {
    title: 'A speech-to-text task: transcript files',
    inputs: { 'task-id': 'demo-transcript', download: 'true' },
  },
  { title: 'A task that fails', inputs: { 'task-id': 'demo-failed' } },
  {
    title: 'Three tasks in one step, one of them failed (fail-on-task-failure: false)',
    inputs: {
      'task-id': 'demo-image, demo-transcript, demo-failed',
      'fail-on-task-failure': 'false',
    },
  },
  {
    title: 'Create and wait: model and a YAML input instead of task-id',
    inputs: { model: 'nano-banana-pro', input: 'prompt: A banana hero\naspect_ratio: "1:1"' },
  },
  {
    title: 'A Veo 3.1 video, created and waited for (api: veo), downloaded',
    inputs: {
      api: 'veo',
      model: 'veo3_fast',
      input: 'prompt: A paper boat sailing down a rainy street\naspectRatio: "16:9"',
      download: 'true',
    },
  },
  {
    title: 'A Suno song (api: suno): not done at FIRST_SUCCESS; two tracks and their covers',
    inputs: { api: 'suno', 'task-id': 'demo-suno', download: 'true' },
  },
];

try {
  for (const demo of demos) {
    console.log(`\n=== ${demo.title}\n`);
    const run = await runDist({
      'api-key': kie.apiKey,
      'base-url': kie.url,
      'poll-interval': '300ms',
      'download-dir': path.join(outDir, String(demos.indexOf(demo) + 1)),
      ...demo.inputs,
    });
    console.log(readableLog(run.log).replace(/^/gm, '  | '));
    console.log(`\n  exit code ${run.exitCode}; outputs:`);
    for (const [name, value] of Object.entries(run.outputs)) {
      const shown = value.length > 100 ? `${value.slice(0, 100)}…` : value;
      console.log(`    ${name.padEnd(14)} ${shown}`);
    }
    console.log('\n  job summary (GITHUB_STEP_SUMMARY), as text:\n');
    console.log(summaryAsText(run.summary).replace(/^/gm, '  | ').replace(/ +$/gm, ''));
  }
  console.log(`\nFiles written under ${path.relative(process.cwd(), outDir) || '.'}/`);
} finally {
  await Promise.all([kie.close(), media.close()]);
}
