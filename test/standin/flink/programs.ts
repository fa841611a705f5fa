// Built-in programs, chosen by the entry class of the submitted jar. They really work on files so end-to-end tests can check results.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ACCUMULATOR_CLASS, FAILING_CLASS, NO_JOB_CLASS, STREAMING_CLASS, TEST_JOB_CLASSES, THROWING_MAIN_CLASS, WORDCOUNT_CLASS } from './programClasses';
import { JavaException } from './restErrors';

export interface VertexCounters {
  readRecords: number;
  writeRecords: number;
  readBytes: number;
  writeBytes: number;
}

export interface Accumulator {
  type: string;
  value: string;
}

export interface ProgramContext {
  parallelism: number;
  signal: AbortSignal;
  counters: VertexCounters[];
  accumulators: Map<string, Accumulator>;
  stdout(text: string): void;
  /** The savepoint state the job was started from, if any. */
  restored?: Record<string, unknown>;
}

/** A failure inside the running job: becomes the job's root exception. */
export class JobFailure extends Error {
  constructor(readonly exception: JavaException, readonly vertexIndex = 0) {
    super(exception.message);
  }
}

/** A failure of main() before a job exists: the run request fails. */
export class ProgramInvocationError extends Error {
  constructor(message: string, readonly causes: JavaException[] = []) {
    super(message);
  }
}

export interface BuiltinProgram {
  jobName: string;
  /** The runtime mode 2.x reports as job-type; default from `streaming`. Bounded DataStream jobs run as STREAMING. */
  jobType?: 'BATCH' | 'STREAMING';
  vertexNames: string[];
  streaming: boolean;
  run(ctx: ProgramContext): Promise<void>;
  /** State written into a savepoint (streaming jobs). */
  snapshot?(): Record<string, unknown>;
}

export interface ProgramSettings {
  jobDurationMs: number;
  failingDelayMs: number;
  streamingRecordsPerSecond: number;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
}

/** ParameterTool.fromArgs: `--key value` pairs, a bare `--flag` has no value. */
export function parameterTool(args: string[]): Map<string, string | undefined> {
  const m = new Map<string, string | undefined>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith('-')) throw new ProgramInvocationError('Could not execute application.', [
      { className: 'java.lang.IllegalArgumentException', message: `Error parsing arguments '${args.join(' ')}' on '${a}'. Please prefix keys with -- or -.` },
    ]);
    const key = a.replace(/^--?/, '');
    const next = args[i + 1];
    if (next !== undefined && !next.startsWith('-')) {
      m.set(key, next);
      i++;
    } else m.set(key, undefined);
  }
  return m;
}

/** Java's `toLowerCase().split("\\W+")`, empty tokens dropped, as in Flink's WordCount tokenizer. */
export function tokenize(line: string): string[] {
  return line.toLowerCase().split(/[^a-z0-9_]+/).filter((t) => t.length > 0);
}

export function countWords(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of text.split(/\r?\n/)) for (const w of tokenize(line)) counts.set(w, (counts.get(w) ?? 0) + 1);
  return counts;
}

function javaStringHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}

const WORDCOUNT_DEFAULT_TEXT = [
  'To be, or not to be,--that is the question:--',
  "Whether 'tis nobler in the mind to suffer",
  'The slings and arrows of outrageous fortune',
  'Or to take arms against a sea of troubles,',
].join('\n');

function wordCount(args: string[], settings: ProgramSettings): BuiltinProgram {
  const params = parameterTool(args);
  const input = params.get('input');
  const output = params.get('output');
  if (params.has('input') && !input) throw new ProgramInvocationError('Could not execute application.', [{ className: 'java.lang.RuntimeException', message: 'No data for required key \'input\'' }]);
  const sinkName = output ? `DataSink (CsvOutputFormat (path: ${output}, delimiter:  ))` : 'DataSink (Print to System.out)';
  return {
    jobName: 'WordCount Example',
    streaming: false,
    vertexNames: [
      `CHAIN DataSource (at main(WordCount.java:85) (org.apache.flink.api.java.io.TextInputFormat)) -> FlatMap (FlatMap at main(WordCount.java:100)) -> Combine (SUM(1), at main(WordCount.java:103)`,
      'Reduce (SUM(1), at main(WordCount.java:103)',
      sinkName,
    ],
    async run(ctx) {
      let text = WORDCOUNT_DEFAULT_TEXT;
      if (input) {
        const file = input.replace(/^file:\/\//, '').replace(/^file:/, '');
        if (!fs.existsSync(file)) {
          throw new JobFailure({
            className: 'java.io.FileNotFoundException',
            message: `File file:${file} does not exist or the user running Flink ('${os.userInfo().username}') has insufficient permissions to access it.`,
          });
        }
        text = await fs.promises.readFile(file, 'utf8');
      } else {
        ctx.stdout('Executing WordCount example with default input data set.\nUse --input to specify file input.');
      }
      const counts = countWords(text);
      await sleep(Math.min(settings.jobDurationMs, 300), ctx.signal);
      ctx.counters[0].writeRecords += counts.size;
      ctx.counters[0].writeBytes += Buffer.byteLength(text);
      ctx.counters[1].readRecords += counts.size;
      ctx.counters[1].readBytes += Buffer.byteLength(text);
      ctx.counters[1].writeRecords += counts.size;
      const words = [...counts.keys()].sort();
      const format = (w: string): string => `(${w},${counts.get(w)})\n`;
      if (!output) {
        ctx.stdout('Printing result to stdout. Use --output to specify output path.');
        for (const w of words) ctx.stdout(format(w));
      } else {
        const target = output.replace(/^file:\/\//, '').replace(/^file:/, '');
        if (fs.existsSync(target)) {
          throw new JobFailure({
            className: 'java.io.IOException',
            message: 'File or directory already exists. Existing files and directories are not overwritten in NO_OVERWRITE mode. Use OVERWRITE mode to overwrite existing files and directories.',
          }, 2);
        }
        fs.mkdirSync(path.dirname(target), { recursive: true });
        if (ctx.parallelism <= 1) {
          await fs.promises.writeFile(target, words.map(format).join(''));
        } else {
          // Like Flink's file sinks with parallelism > 1: a folder with one file per subtask, named 1..p.
          fs.mkdirSync(target);
          const parts: string[][] = Array.from({ length: ctx.parallelism }, () => []);
          for (const w of words) parts[Math.abs(javaStringHash(w)) % ctx.parallelism].push(format(w));
          for (let i = 0; i < parts.length; i++) await fs.promises.writeFile(path.join(target, String(i + 1)), parts[i].join(''));
        }
      }
      const outBytes = words.map(format).join('').length;
      ctx.counters[2].readRecords += counts.size;
      ctx.counters[2].readBytes += outBytes;
    },
  };
}

function streaming(args: string[], settings: ProgramSettings): BuiltinProgram {
  parameterTool(args);
  let records = 0;
  return {
    jobName: 'State machine job',
    streaming: true,
    vertexNames: ['Source: Custom Source', 'Flat Map', 'Sink: Print to Std. Out'],
    snapshot: () => ({ records }),
    async run(ctx) {
      records = Number(ctx.restored?.records ?? 0);
      const tickMs = 100;
      const perTick = Math.max(1, Math.round((settings.streamingRecordsPerSecond * tickMs) / 1000));
      while (!ctx.signal.aborted) {
        await sleep(tickMs, ctx.signal);
        if (ctx.signal.aborted) break;
        records += perTick;
        ctx.counters[0].writeRecords += perTick;
        ctx.counters[0].writeBytes += perTick * 24;
        ctx.counters[1].readRecords += perTick;
        ctx.counters[1].readBytes += perTick * 24;
        ctx.counters[1].writeRecords += Math.floor(perTick / 10);
        ctx.counters[2].readRecords += Math.floor(perTick / 10);
      }
    },
  };
}

function failing(args: string[], settings: ProgramSettings): BuiltinProgram {
  const params = parameterTool(args);
  const message = params.get('message') ?? 'Intentional failure of the stand-in FailingJob';
  return {
    // --job-name lets UI tests carry markup in a job's name.
    jobName: params.get('job-name') ?? 'Failing job',
    streaming: false,
    vertexNames: ['Source: Sequence Source', 'Map -> Sink: Discarding Sink'],
    async run(ctx) {
      await sleep(settings.failingDelayMs, ctx.signal);
      if (ctx.signal.aborted) return;
      ctx.counters[0].writeRecords += 42;
      ctx.counters[1].readRecords += 42;
      throw new JobFailure({
        className: 'java.lang.RuntimeException',
        message,
        frames: ['org.apache.flink.standin.examples.FailingJob$FailingMapper.map(FailingJob.java:57)', 'org.apache.flink.streaming.api.operators.StreamMap.processElement(StreamMap.java:38)'],
      }, 1);
    },
  };
}

function accumulators(args: string[], settings: ProgramSettings): BuiltinProgram {
  const params = parameterTool(args);
  const records = Number(params.get('records') ?? '1000');
  if (!Number.isInteger(records) || records < 0) throw new ProgramInvocationError('Could not execute application.', [{ className: 'java.lang.NumberFormatException', message: `For input string: "${params.get('records')}"` }]);
  return {
    jobName: 'Accumulator Example',
    streaming: false,
    vertexNames: ['DataSource (at main(AccumulatorJob.java:41))', 'Map (Map at main(AccumulatorJob.java:44))', 'DataSink (DiscardingOutputFormat)'],
    async run(ctx) {
      await sleep(settings.jobDurationMs, ctx.signal);
      let sum = 0;
      const histogram = new Map<number, number>();
      for (let i = 1; i <= records; i++) {
        sum += i;
        const bucket = i % 10;
        histogram.set(bucket, (histogram.get(bucket) ?? 0) + 1);
      }
      ctx.accumulators.set('num-records', { type: 'IntCounter', value: String(records) });
      ctx.accumulators.set('sum', { type: 'LongCounter', value: String(sum) });
      ctx.accumulators.set('histogram', { type: 'Histogram', value: `{${[...histogram.entries()].sort((a, b) => a[0] - b[0]).map(([k, v]) => `${k}=${v}`).join(', ')}}` });
      ctx.counters[0].writeRecords += records;
      ctx.counters[1].readRecords += records;
      ctx.counters[1].writeRecords += records;
      ctx.counters[2].readRecords += records;
    },
  };
}

function generic(entryClass: string, settings: ProgramSettings): BuiltinProgram {
  const simple = entryClass.slice(entryClass.lastIndexOf('.') + 1);
  return {
    jobName: `Flink Java Job at ${simple}`,
    streaming: false,
    vertexNames: ['Source: Sequence Source', 'Sink: Discarding Sink'],
    async run(ctx) {
      await sleep(settings.jobDurationMs, ctx.signal);
      ctx.counters[0].writeRecords += 100;
      ctx.counters[1].readRecords += 100;
    },
  };
}

/** Runs "main()": picks the program by class. Throws ProgramInvocationError like a failing main. */
/** main() of our test jobs failing as the JVM does: ProgramInvocationException around the cause. */
function mainFails(cause: JavaException): ProgramInvocationError {
  return new ProgramInvocationError('Could not execute application.', [
    { className: 'org.apache.flink.client.program.ProgramInvocationException', message: `The main method caused an error: ${cause.message}` },
    cause,
  ]);
}

/** Our test jobs (test/real/jobs): `--name value` arguments, required ones checked and the input read in main(). */
function testJob(entryClass: string, args: string[], settings: ProgramSettings): BuiltinProgram | undefined {
  const params = parameterTool(args);
  const required = (name: string): string => {
    const v = params.get(name);
    if (v === undefined) throw mainFails({ className: 'java.lang.IllegalArgumentException', message: `missing --${name}` });
    return v;
  };
  const named = (p: BuiltinProgram, name: string, jobType?: 'BATCH' | 'STREAMING'): BuiltinProgram => ({ ...p, jobName: params.get('name') ?? name, jobType: jobType ?? p.jobType });
  switch (entryClass) {
    case TEST_JOB_CLASSES.wordCount: {
      const input = required('input');
      required('output');
      if (!fs.existsSync(input)) throw mainFails({ className: 'java.nio.file.NoSuchFileException', message: input });
      return named(wordCount(args, settings), 'WordCount', 'BATCH');
    }
    case TEST_JOB_CLASSES.streaming:
      required('output');
      return named(streaming(args, settings), 'StreamingCounter', 'STREAMING');
    case TEST_JOB_CLASSES.failing: {
      // One chained vertex, as fromSequence -> map -> sink runs in Flink.
      const p = failing(args, settings);
      return named({ ...p, vertexNames: ['Source: Sequence Source -> Map -> Sink: Unnamed'], run: async (ctx) => p.run({ ...ctx, counters: [ctx.counters[0], ctx.counters[0]] }) }, 'FailingJob', 'STREAMING');
    }
    case TEST_JOB_CLASSES.accumulators:
      return named(accumulators([], settings), 'AccumulatorJob', 'STREAMING');
    default:
      return undefined;
  }
}

export function createProgram(entryClass: string, args: string[], settings: ProgramSettings): BuiltinProgram {
  const ours = testJob(entryClass, args, settings);
  if (ours) return ours;
  switch (entryClass) {
    case WORDCOUNT_CLASS:
      return wordCount(args, settings);
    case STREAMING_CLASS:
      return streaming(args, settings);
    case FAILING_CLASS:
      return failing(args, settings);
    case ACCUMULATOR_CLASS:
      return accumulators(args, settings);
    case THROWING_MAIN_CLASS:
      throw new ProgramInvocationError('Could not execute application.', [
        { className: 'org.apache.flink.client.program.ProgramInvocationException', message: 'The main method caused an error: main() of ThrowingMain failed on purpose' },
        { className: 'java.lang.IllegalStateException', message: 'main() of ThrowingMain failed on purpose' },
      ]);
    case NO_JOB_CLASS:
      throw new ProgramInvocationError('No jobs included in application.');
    default:
      return generic(entryClass, settings);
  }
}
