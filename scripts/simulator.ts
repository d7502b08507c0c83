// `npx tsx scripts/simulator.ts`: the loopback Kie.ai simulator and media host, serving until
// SIGINT or SIGTERM, for running the action or the CLI against it by hand or from a workflow step
// (ci.yml's job that runs `uses: ./`). Once both listen it prints, on stdout, the lines a shell or
// $GITHUB_ENV takes (KIE_BASE_URL, KIE_API_KEY); everything else goes to stderr. It serves:
//   sim-image     a Market image task: waiting, generating, then success with two PNG files
//   createTask    a Market create call makes sim-created: queuing, then success with one PNG
import { once } from 'node:events';
import { startKieServer } from '../test/support/kie-server.js';
import { startMediaServer } from '../test/support/media-server.js';
import { demoPng } from './demo-support.js';

const SIMULATED_TASK = 'sim-image';
const SIMULATED_CREATED_TASK = 'sim-created';

const kie = await startKieServer();
const media = await startMediaServer();
const png = (name: string, size: number) =>
  media.route(`/files/${name}`, {
    body: demoPng(size, size, [255, 214, 10], [255, 120, 40], [255, 252, 230]),
    contentType: 'image/png',
  });

kie.script(SIMULATED_TASK, [{ state: 'waiting' }, { state: 'generating' }, { state: 'success' }], {
  model: 'nano-banana-pro',
  createTime: Date.now(),
  resultJson: JSON.stringify({ resultUrls: [png('sunrise.png', 320), png('sunrise-2.png', 240)] }),
});
kie.scriptCreate([
  {
    taskId: SIMULATED_CREATED_TASK,
    replies: [
      { state: 'queuing' },
      {
        state: 'success',
        record: { resultJson: JSON.stringify({ resultUrls: [png('created.png', 200)] }) },
      },
    ],
  },
]);

process.stdout.write(`KIE_BASE_URL=${kie.url}\nKIE_API_KEY=${kie.apiKey}\n`);
console.error(`Kie.ai simulator on ${kie.url}, media on ${media.url}; Ctrl-C stops it.`);

await Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM')]);
await Promise.all([kie.close(), media.close()]);
