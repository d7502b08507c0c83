// The local Kie API and media host most integration tests need, started before each test and
// closed after it.
import { afterEach, beforeEach } from 'vitest';
import { startKieServer, type KieServer } from './kie-server.js';
import { startMediaServer, type MediaServer } from './media-server.js';

export interface LocalServers {
  kie: KieServer;
  media: MediaServer;
}

/** Call at the top of a test file; `onStart` receives the fresh servers before each test. */
export function useLocalServers(onStart: (servers: LocalServers) => void): void {
  let servers: LocalServers;
  beforeEach(async () => {
    const [kie, media] = await Promise.all([startKieServer(), startMediaServer()]);
    servers = { kie, media };
    onStart(servers);
  });
  afterEach(async () => {
    await Promise.all([servers.kie.close(), servers.media.close()]);
  });
}
