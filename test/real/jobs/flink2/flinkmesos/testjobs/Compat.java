package flinkmesos.testjobs;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.streaming.api.functions.source.legacy.SourceFunction;
import org.apache.flink.streaming.api.functions.sink.legacy.SinkFunction;

/** What differs between Flink 2.x and the other major version: where the SourceFunction and SinkFunction interfaces live. */
final class Compat {
    private Compat() {}

    /** 0, 1, 2, ... one every intervalMs until cancelled. */
    static SourceFunction<Long> ticks(long intervalMs) {
        return new Ticks(intervalMs);
    }

    static <T> SinkFunction<T> discardingSink() {
        return new Discard<>();
    }

    /** Appends "word count" lines to a file. */
    static SinkFunction<Tuple2<String, Integer>> lineFileSink(String file) {
        return new LineFile(file);
    }

    static final class Ticks implements SourceFunction<Long> {
        private final long intervalMs;
        private volatile boolean running = true;

        Ticks(long intervalMs) {
            this.intervalMs = intervalMs;
        }

        @Override
        public void run(SourceContext<Long> ctx) throws Exception {
            long next = 0;
            while (running) {
                synchronized (ctx.getCheckpointLock()) {
                    ctx.collect(next++);
                }
                Thread.sleep(intervalMs);
            }
        }

        @Override
        public void cancel() {
            running = false;
        }
    }

    static final class Discard<T> implements SinkFunction<T> {
        @Override
        public void invoke(T value, Context context) {}
    }

    static final class LineFile implements SinkFunction<Tuple2<String, Integer>> {
        private final String file;

        LineFile(String file) {
            this.file = file;
        }

        @Override
        public void invoke(Tuple2<String, Integer> value, Context context) throws IOException {
            try (OutputStream w = new FileOutputStream(file, true)) {
                w.write((value.f0 + " " + value.f1 + "\n").getBytes(StandardCharsets.UTF_8));
            }
        }
    }
}
