package flinkmesos.testjobs;

import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/** Counts 1..`--count N` (default 1000) into accumulators: records (all), even-records, sum. */
public final class AccumulatorJob {
    public static void main(String[] argv) throws Exception {
        Args args = new Args(argv);
        long count = Long.parseLong(args.get("count", "1000"));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.fromSequence(1, count)
            .map(new Counting())
            .addSink(Compat.discardingSink());
        env.execute(args.get("name", "AccumulatorJob"));
    }

    static final class Counting extends RichMapFunction<Long, Long> {
        @Override
        public Long map(Long value) {
            getRuntimeContext().getLongCounter("records").add(1L);
            if (value % 2 == 0) getRuntimeContext().getLongCounter("even-records").add(1L);
            getRuntimeContext().getLongCounter("sum").add(value);
            return value;
        }
    }
}
