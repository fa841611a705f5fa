#!/usr/bin/env node
// flink-mesos: start Flink sessions on Mesos and submit jobs to them, from a terminal.
import { processIo } from './cliIo';
import { runCli } from './cli';

runCli(process.argv.slice(2), processIo()).then(
  (code) => { process.exitCode = code; },
  (err) => { process.stderr.write(`flink-mesos: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`); process.exitCode = 1; },
);
