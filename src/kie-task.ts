#!/usr/bin/env node
// The `kie-task` command: runs the CLI on this process.
import { main } from './cli.js';

void main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
}).then((code) => (process.exitCode = code));
