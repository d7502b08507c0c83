// `npm run render:summaries`: every kind of job summary the action writes, made by the action itself
// against the local Kie simulator and media host, rendered as GitHub would (scripts/summary-page.ts)
// and screenshotted with headless Chromium. Look at the PNGs before changing how a summary reads.
// Writes kie-results/summaries/<kind>.{md,html,png}; CHROMIUM names the browser (default chromium).
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { promisify } from 'node:util';
import path from 'node:path';
import { localInputs, REPO_ROOT, runInProcess } from '../test/support/action.js';
import { FAMILIES, sunoSuccess } from '../test/support/kie-families.js';
import { startKieServer } from '../test/support/kie-server.js';
import { startMediaServer } from '../test/support/media-server.js';
import { demoMp3, demoPng } from './demo-support.js';
import { summaryPage } from './summary-page.js';

const outDir = path.join(REPO_ROOT, 'kie-results', 'summaries');
const fixture = (name: string) =>
  JSON.parse(readFileSync(path.join(REPO_ROOT, 'test/fixtures', `${name}.json`), 'utf8')).data;
const HOSTILE =
  '# All tasks succeeded ![pixel](https://tracker.example/p.gif) [click](javascript:alert(1)) <img src=x onerror=alert(1)> `code` **bold** | pipe';

const kie = await startKieServer();
const media = await startMediaServer();
const png = (name: string, hue: [number, number, number]) =>
  media.route(`/files/${name}.png`, {
    body: demoPng(480, 320, hue, [255, 252, 230], [255, 200, 60]),
    contentType: 'image/png',
  });
const mp3 = (name: string, seconds: number) =>
  media.route(`/files/${name}.mp3`, { body: demoMp3(seconds), contentType: 'audio/mpeg' });
const success = (urls: string[], extra: object = {}) => ({
  ...fixture('image'),
  createTime: Date.now() - 42_000,
  completeTime: Date.now(),
  resultJson: JSON.stringify({ resultUrls: urls }),
  ...extra,
});
const veo = FAMILIES.find((family) => family.api === 'veo')!;

kie.script(
  'task_image_1',
  [{ state: 'success' }],
  success([png('hero', [40, 60, 160]), png('hero-2', [200, 60, 90])]),
);
kie.script('task_speech_1', [{ state: 'success' }], {
  ...fixture('speech-to-text'),
  createTime: Date.now() - 12_000,
});
kie.script(
  'veo_task_7f3a',
  [
    {
      data: veo.success([
        media.route('/files/paper-boat.mp4', { size: 400_000, contentType: 'video/mp4' }),
      ]),
    },
  ],
  {},
  'veo',
);
kie.script(
  'suno_5c79be8e',
  [
    {
      data: sunoSuccess('CALLBACK_EXCEPTION', [
        mp3('neon-1', 3),
        mp3('neon-2', 2),
        png('neon-1-cover', [120, 20, 160]),
        png('neon-2-cover', [20, 120, 160]),
      ]),
    },
  ],
  {},
  'suno',
);
kie.script('task_failed_1', [{ state: 'fail', record: { failCode: '400', failMsg: HOSTILE } }], {
  model: 'veo3_fast',
});
kie.script('task_slow_1', [{ state: 'generating' }], { model: 'nano-banana-pro' });
kie.script(
  'task_broken_1',
  [{ state: 'success' }],
  success([media.route('/files/gone.png', { status: 404 }), png('kept', [30, 140, 90])]),
);

const many = ['task-2ca6a6e3-b9d2-4c1f', 'task-5d1e07f4-aa21-4f0e', 'task-9b3c11d2-07e5-4d6a'];
kie.script(
  many[0]!,
  [{ state: 'success' }],
  success([png('m1', [200, 120, 40])], { creditsConsumed: 4 }),
);
kie.script(
  many[1]!,
  [{ state: 'success' }],
  success([png('m2', [40, 160, 200]), png('m3', [90, 90, 90])], { creditsConsumed: 4 }),
);
kie.script(
  many[2]!,
  [{ state: 'success' }],
  success([mp3('m4', 2)], { model: 'elevenlabs/tts', creditsConsumed: 2 }),
);
const refused = [
  'ref-1a2b3c4d-0001',
  'ref-1a2b3c4d-0002',
  'ref-1a2b3c4d-0003',
  'ref-1a2b3c4d-0004',
];
kie.script(refused[0]!, [{ state: 'success' }], success([png('r1', [160, 40, 40])]));
kie.script(refused[1]!, [
  {
    state: 'fail',
    record: {
      failCode: '400',
      failMsg: 'Your prompt was flagged by the content filter. Please revise it.',
    },
  },
]);
kie.script(refused[2]!, [{ body: { code: 404, msg: 'task not found' } }]);
kie.script(refused[3]!, [{ state: 'generating' }]);

const kinds: Record<string, { inputs: Record<string, string>; cancelAfterMs?: number }> = {
  image: { inputs: { 'task-id': 'task_image_1', download: 'true' } },
  transcript: { inputs: { 'task-id': 'task_speech_1', download: 'true' } },
  video: { inputs: { 'task-id': 'veo_task_7f3a', api: 'veo', download: 'true' } },
  music: { inputs: { 'task-id': 'suno_5c79be8e', api: 'suno', download: 'true' } },
  failed: { inputs: { 'task-id': 'task_failed_1' } },
  timeout: { inputs: { 'task-id': 'task_slow_1', timeout: '300ms' } },
  cancelled: { inputs: { 'task-id': 'task_slow_1' }, cancelAfterMs: 200 },
  'download-failed': { inputs: { 'task-id': 'task_broken_1', download: 'true' } },
  many: { inputs: { 'task-id': many.join(' '), download: 'true' } },
  'many-refusals': {
    inputs: { 'task-id': refused.join(' '), 'fail-on-task-failure': 'false', timeout: '400ms' },
  },
};

const chromium = process.env.CHROMIUM ?? 'chromium';
const profile = mkdtempSync(path.join(tmpdir(), 'kie-chromium-'));
try {
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  for (const [kind, { inputs, cancelAfterMs }] of Object.entries(kinds)) {
    const signal = cancelAfterMs === undefined ? undefined : AbortSignal.timeout(cancelAfterMs);
    const run = await runInProcess(localInputs(kie, { 'min-credits': '0', ...inputs }), { signal });
    const file = (ext: string) => path.join(outDir, `${kind}.${ext}`);
    await writeFile(file('md'), run.summary);
    await writeFile(file('html'), summaryPage(run.summary, kind));
    // Asynchronous: the media host in this process must answer while Chromium loads the pictures.
    const status = await promisify(execFile)(
      chromium,
      [
        ...['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
        ...['--disable-component-update', '--disable-sync', '--no-first-run', '--hide-scrollbars'],
        `--user-data-dir=${profile}`,
        `--screenshot=${file('png')}`,
        '--window-size=1000,1400',
        `file://${file('html')}`,
      ],
      { timeout: 60_000 },
    ).then(
      () => `${kind}.png`,
      (error: Error) => `no screenshot (${chromium}: ${error.message.split('\n')[0]})`,
    );
    console.log(
      `${kind.padEnd(16)} ${Buffer.byteLength(run.summary).toString().padStart(6)} bytes  ${status}`,
    );
  }
  console.log(`\nWritten to ${path.relative(process.cwd(), outDir)}/`);
} finally {
  await Promise.all([kie.close(), media.close(), rm(profile, { recursive: true, force: true })]);
}
