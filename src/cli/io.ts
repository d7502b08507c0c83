// What main writes goes through here: the API key masked wherever it appears (a server may echo
// it back), control characters in API text (a failMsg with ESC sequences) shown as \x1b, and a
// closed or failing stdout (`| head`, `>/dev/full`) neither crashes the process with an unhandled
// 'error' event nor loses the exit code the run earned.
import { escapeControls } from '../net/server-text.js';
import type { Runtime } from '../runtime.js';

/** process.stdout / stderr, or a test's stand-in. With `on`, `write` takes a callback, as a Writable's does. */
export interface CliStream {
  write(text: string, done?: (error?: Error | null) => void): unknown;
  on?(event: 'error', listener: (error: Error) => void): unknown;
  /** On stderr: draw the live state line. */
  isTTY?: boolean;
}

/** A stream main writes to: never throws, never emits. */
export interface Output {
  /** Text, its control characters made visible. */
  write(text: string): void;
  /** The live display's own terminal sequences, as they are. */
  control(sequence: string): void;
  isTTY: boolean;
}

export interface GuardedOutput extends Output {
  /** Resolves once every write has been flushed, to the first write error, if any. */
  settled(): Promise<NodeJS.ErrnoException | undefined>;
}

export function guard(stream: CliStream, secret: string | undefined): GuardedOutput {
  let failure: NodeJS.ErrnoException | undefined;
  const fail = (error: Error) => void (failure ??= error);
  const pending = new Set<Promise<void>>();
  stream.on?.('error', fail);
  const send = (unmasked: string) => {
    const text = secret ? unmasked.replaceAll(secret, '***') : unmasked;
    // After a failure the rest would fail too (or, after EPIPE, reach nobody).
    if (failure) return;
    try {
      if (!stream.on) return void stream.write(text);
      const flushed = new Promise<void>((resolve) =>
        stream.write(text, (error) => (error && fail(error), resolve())),
      );
      pending.add(flushed);
      void flushed.then(() => pending.delete(flushed));
    } catch (error) {
      fail(error as Error);
    }
  };
  return {
    isTTY: stream.isTTY === true,
    write: (text) => send(escapeControls(text)),
    control: send,
    settled: () => Promise.all(pending).then(() => failure),
  };
}

/** What the CLI touches of the world: given as an argument, so tests run it in-process. */
export interface CliIo {
  stdout: CliStream;
  stderr: CliStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
  runtime?: Runtime;
  /** Aborted on Ctrl-C: the run stops and reports what it saw. */
  signal?: AbortSignal;
}

/** The io a command writes to: writes that never throw. */
export type RunIo = Omit<CliIo, 'stdout' | 'stderr'> & { stdout: Output; stderr: Output };
