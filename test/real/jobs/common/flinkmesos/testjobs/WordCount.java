package flinkmesos.testjobs;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.List;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.functions.FlatMapFunction;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.Collector;

/** Batch word count: `--input FILE --output FILE`; writes "word count" lines, one per distinct word. */
public final class WordCount {
    public static void main(String[] argv) throws Exception {
        Args args = new Args(argv);
        // The main method runs on the JobManager's machine, where the input file is: read it there, count on the TaskManagers.
        List<String> lines = Files.readAllLines(Paths.get(args.required("input")), StandardCharsets.UTF_8);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setRuntimeMode(RuntimeExecutionMode.BATCH);
        env.fromCollection(lines)
            .flatMap(new Tokenizer())
            .keyBy(new ByWord())
            .sum(1)
            .addSink(Compat.lineFileSink(args.required("output")))
            .setParallelism(1)
            .name("word counts to " + args.required("output"));
        env.execute(args.get("name", "WordCount"));
    }

    static final class Tokenizer implements FlatMapFunction<String, Tuple2<String, Integer>> {
        @Override
        public void flatMap(String line, Collector<Tuple2<String, Integer>> out) {
            for (String word : line.toLowerCase().split("[^\\p{L}\\p{N}']+")) {
                if (!word.isEmpty()) out.collect(Tuple2.of(word, 1));
            }
        }
    }

    static final class ByWord implements KeySelector<Tuple2<String, Integer>, String> {
        @Override
        public String getKey(Tuple2<String, Integer> t) {
            return t.f0;
        }
    }
}
