package flinkmesos.testjobs;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import org.apache.flink.api.common.functions.RichFlatMapFunction;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.Collector;

/**
 * Runs until stopped: ticks (`--interval-ms`, default 100) spread over `--keys` keys (default 4), each key's count in keyed
 * state, checkpointed every `--checkpoint-ms` (default 1000). Every count is appended to `--output DIR/count-KEY.log` as
 * "KEY COUNT", so a restore shows the count going on from the savepoint instead of starting again at 1. The number of
 * ticks seen is also the accumulator "ticks".
 */
public final class StreamingCounter {
    public static void main(String[] argv) throws Exception {
        Args args = new Args(argv);
        String output = args.required("output");
        Files.createDirectories(Paths.get(output));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.enableCheckpointing(Long.parseLong(args.get("checkpoint-ms", "1000")));
        int keys = Integer.parseInt(args.get("keys", "4"));
        env.addSource(Compat.ticks(Long.parseLong(args.get("interval-ms", "100")))).name("ticks").uid("ticks")
            .keyBy(new ByKey(keys))
            .flatMap(new Count(output, keys, "")).name("count per key").uid("count-per-key")
            .addSink(Compat.discardingSink()).name("discard");
        env.execute(args.get("name", "StreamingCounter"));
    }

    static final class ByKey implements KeySelector<Long, Integer> {
        private final int keys;

        ByKey(int keys) {
            this.keys = keys;
        }

        @Override
        public Integer getKey(Long tick) {
            return (int) (tick % keys);
        }
    }

    /** Each key's count in keyed state (name "count", type Long: versions must keep both to restore), appended to its file. */
    static final class Count extends RichFlatMapFunction<Long, String> {
        private final String output;
        private final int keys;
        /** What ends each line: "" here, " v2" in StreamingCounterV2. */
        private final String suffix;
        private transient ValueState<Long> count;

        Count(String output, int keys, String suffix) {
            this.output = output;
            this.keys = keys;
            this.suffix = suffix;
        }

        @Override
        public void flatMap(Long tick, Collector<String> out) throws IOException {
            // State handles are taken on first use: open()'s signature differs between Flink 1.x and 2.x.
            if (count == null) count = getRuntimeContext().getState(new ValueStateDescriptor<>("count", Long.class));
            Long before = count.value();
            long now = before == null ? 1 : before + 1;
            count.update(now);
            getRuntimeContext().getLongCounter("ticks").add(1L);
            long key = tick % keys;
            String line = key + " " + now + suffix + "\n";
            try (OutputStream w = new FileOutputStream(Paths.get(output, "count-" + key + ".log").toFile(), true)) {
                w.write(line.getBytes(StandardCharsets.UTF_8));
            }
            out.collect(line);
        }
    }
}
