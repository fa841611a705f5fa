// Entry classes the stand-in recognises as built-in programs (re-exported by test/fixtures/jars.ts).
export const WORDCOUNT_CLASS = 'org.apache.flink.examples.java.wordcount.WordCount';
/** Runs until cancelled or stopped with a savepoint. */
export const STREAMING_CLASS = 'org.apache.flink.streaming.examples.statemachine.StateMachineExample';
/** Fails with an exception shortly after it starts running. */
export const FAILING_CLASS = 'org.apache.flink.standin.examples.FailingJob';
/** A batch job with user accumulators. */
export const ACCUMULATOR_CLASS = 'org.apache.flink.standin.examples.AccumulatorJob';
/** A main() that throws before submitting a job: "Could not execute application." */
export const THROWING_MAIN_CLASS = 'org.apache.flink.standin.examples.ThrowingMain';
/** A main() that never calls execute(): "No jobs included in application." */
export const NO_JOB_CLASS = 'org.apache.flink.standin.examples.NoJobMain';

/** Our own real-Flink test jobs (test/real/jobs): the stand-in runs them as the built-in program of the same kind. */
export const TEST_JOB_CLASSES = {
  wordCount: 'flinkmesos.testjobs.WordCount',
  streaming: 'flinkmesos.testjobs.StreamingCounter',
  failing: 'flinkmesos.testjobs.FailingJob',
  accumulators: 'flinkmesos.testjobs.AccumulatorJob',
} as const;
