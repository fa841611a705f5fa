package flinkmesos.testjobs;

import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/** Fails in a task with `--message TEXT` once record `--at N` (default 50) goes through. */
public final class FailingJob {
    public static void main(String[] argv) throws Exception {
        Args args = new Args(argv);
        String message = args.get("message", "the test job failed on purpose");
        long at = Long.parseLong(args.get("at", "50"));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.fromSequence(1, 1000)
            .map(new FailAt(at, message))
            .addSink(Compat.discardingSink());
        env.execute(args.get("name", "FailingJob"));
    }

    static final class FailAt implements MapFunction<Long, Long> {
        private final long at;
        private final String message;

        FailAt(long at, String message) {
            this.at = at;
            this.message = message;
        }

        @Override
        public Long map(Long value) {
            if (value == at) throw new IllegalStateException(message);
            return value;
        }
    }
}
