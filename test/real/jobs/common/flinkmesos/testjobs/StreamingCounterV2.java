package flinkmesos.testjobs;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.functions.RichFlatMapFunction;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.Collector;

/**
 * The second version of StreamingCounter for upgrade tests: changed code, compatible state. The operators that hold
 * state keep their uids ("ticks", "count-per-key") and the count keeps its state name and type, so a savepoint of
 * version 1 restores here; what changed: each line it appends is "KEY COUNT v2", and a new stateless operator
 * ("tag v2") stands between the count and the sink.
 */
public final class StreamingCounterV2 {
    public static void main(String[] argv) throws Exception {
        Args args = new Args(argv);
        String output = args.required("output");
        Files.createDirectories(Paths.get(output));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.enableCheckpointing(Long.parseLong(args.get("checkpoint-ms", "1000")));
        int keys = Integer.parseInt(args.get("keys", "4"));
        env.addSource(Compat.ticks(Long.parseLong(args.get("interval-ms", "100")))).name("ticks").uid("ticks")
            .keyBy(new StreamingCounter.ByKey(keys))
            .flatMap(new CountV2(output, keys)).name("count per key").uid("count-per-key")
            .map(new Tag()).name("tag v2").uid("tag-v2")
            .addSink(Compat.discardingSink()).name("discard");
        env.execute(args.get("name", "StreamingCounter v2"));
    }

    static final class Tag implements MapFunction<String, String> {
        @Override
        public String map(String line) {
            return "v2 " + line;
        }
    }

    static final class CountV2 extends RichFlatMapFunction<Long, String> {
        private final String output;
        private final int keys;
        private transient ValueState<Long> count;

        CountV2(String output, int keys) {
            this.output = output;
            this.keys = keys;
        }

        @Override
        public void flatMap(Long tick, Collector<String> out) throws IOException {
            // The same state as version 1: name "count", type Long.
            if (count == null) count = getRuntimeContext().getState(new ValueStateDescriptor<>("count", Long.class));
            Long before = count.value();
            long now = before == null ? 1 : before + 1;
            count.update(now);
            long key = tick % keys;
            String line = key + " " + now + " v2\n";
            try (OutputStream w = new FileOutputStream(Paths.get(output, "count-" + key + ".log").toFile(), true)) {
                w.write(line.getBytes(StandardCharsets.UTF_8));
            }
            out.collect(line);
        }
    }
}
