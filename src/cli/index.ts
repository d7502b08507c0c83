#!/usr/bin/env node
// The `kie-task` command: runs the CLI on this process.
import { ExitCode, main } from './main.js';
import { cancelOnSignals } from '../runtime.js';

void main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
  signal: cancelOnSignals(ExitCode.Cancelled),
}).then((code) => (process.exitCode = code));
