package flinkmesos.testjobs;

import java.nio.file.Files;
import java.nio.file.Paths;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

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
            .flatMap(new StreamingCounter.Count(output, keys, " v2")).name("count per key").uid("count-per-key")
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
}
