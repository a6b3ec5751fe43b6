package dev.kiln.bench;

import dev.kiln.KilnModel;
import dev.kiln.kernel.Kernels;
import dev.kiln.thread.ThreadTeam;
import com.sun.management.HotSpotDiagnosticMXBean;
import com.sun.management.ThreadMXBean;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Kiln's half of {@code benchmarks/side_by_side.py}: times training steps of every {@link BenchModel}
 * and {@code sgemm} at 1024³, and prints one JSON object per line.
 *
 * <p>A workload is one of those at a thread count: a model's training step ({@code seed},
 * {@code fashion}, {@code large}, …), {@code sgemm}, or {@code predict}, the Fashion-MNIST MLP's prediction
 * of one sample. Each is warmed up for {@code --warmup-ms}, then
 * timed in windows of a fixed call count that fills about {@code --window-ms}. The warm-up is long
 * because the Vector API kernels allocate and run many times slower until C2 has compiled them, which
 * takes seconds of steps on a busy machine; a window's allocation (every thread's, per call) shows
 * whether that happened: a compiled step allocates nothing.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp benchmarks/target/benchmarks.jar dev.kiln.bench.SideBySide \
 *     [serve|steps|sgemm|scaling|cold] [--models=seed,fashion,large] [--threads=1,2] [--windows=9]
 *     [--window-ms=1000] [--warmup-ms=10000] [--cold-steps=100] [--cold-model=fashion]
 *     [--scaling-model=large]
 * </pre>
 *
 * {@code serve} is what {@code side_by_side.py} runs: it prints the {@code environment} line, then
 * answers requests, one flat JSON object per line on stdin, with one JSON line each on stdout, so the
 * script can alternate Kiln's windows with PyTorch's and both sides of each ratio see the same load:
 * <ul>
 * <li>{@code {"op": "prepare", "workload": "large", "threads": 2}} builds the workload and warms it
 *     up; replies {@code calls_per_window};
 * <li>{@code {"op": "window", ...}} (same fields) times one window of a prepared workload; replies
 *     {@code us_per_call} and {@code alloc_bytes_per_call};
 * <li>{@code {"op": "release", ...}} closes it (stops its threads); replies {@code finite}, whether
 *     its last results were finite;
 * <li>{@code {"op": "quit"}} releases everything and exits without a reply.
 * </ul>
 * Several workloads can be prepared at once; between requests nothing runs.
 *
 * <p>The other modes measure on their own and report medians of {@code --windows} windows:
 * {@code steps} the models at each thread count, {@code sgemm} sgemm at each thread count.
 * {@code scaling} measures the speed-up of the most threads over one on {@code --scaling-model}: both
 * workloads warm up, then their windows alternate and the result is the median of the per-pair
 * ratios. {@code cold} runs the first {@code --cold-steps} steps of {@code --cold-model} (default: the
 * Fashion-MNIST MLP) in a fresh model and exits, reporting the milliseconds since the JVM started;
 * the script times that process from its start.
 */
public final class SideBySide {
    /** One field of a {@code serve} request, a flat JSON object of string and integer fields. */
    private static final Pattern REQUEST_FIELD =
            Pattern.compile("\\s*\"(\\w+)\"\\s*:\\s*(?:\"([^\"\\\\]*)\"|(-?\\d+))\\s*([,}])");

    private SideBySide() {}

    public static void main(String[] args) throws IOException {
        Map<String, String> options = new TreeMap<>();
        List<String> modes = new ArrayList<>();
        for (String arg : args) {
            if (arg.startsWith("--") && arg.contains("=")) {
                int eq = arg.indexOf('=');
                options.put(arg.substring(2, eq), arg.substring(eq + 1));
            } else {
                modes.add(arg);
            }
        }
        if (modes.isEmpty()) {
            modes = List.of("steps", "sgemm");
        }
        int[] threads = Arrays.stream(options.getOrDefault("threads", "1,2").split(","))
                .mapToInt(Integer::parseInt).toArray();
        Timing timing = new Timing(
                Integer.parseInt(options.getOrDefault("windows", "9")),
                Long.parseLong(options.getOrDefault("window-ms", "1000")) * 1_000_000L,
                Long.parseLong(options.getOrDefault("warmup-ms", "10000")) * 1_000_000L);
        for (String mode : modes) {
            switch (mode) {
                case "serve" -> serve(timing);
                case "cold" -> cold(options.getOrDefault("cold-model", BenchModel.FASHION.key()),
                        Integer.parseInt(options.getOrDefault("cold-steps", "100")), threads[threads.length - 1]);
                case "steps" -> {
                    environment();
                    for (String key : options.getOrDefault("models", "seed,fashion,large").split(",")) {
                        for (int t : threads) {
                            measure(mode, key, t, timing);
                        }
                    }
                }
                case "scaling" -> scaling(options.getOrDefault("scaling-model", "large"), threads[threads.length - 1],
                        timing);
                case "sgemm" -> {
                    for (int t : threads) {
                        measure(mode, Sgemm.KEY, t, timing);
                    }
                }
                default -> throw new IllegalArgumentException(
                        "unknown mode " + mode + ": use serve, steps, sgemm, scaling or cold");
            }
        }
    }

    private static void environment() {
        System.out.println(json(Map.of(
                "kind", "\"environment\"",
                "kernels", quote(Kernels.get().name()),
                "java", quote(Runtime.version().toString()),
                "vm", quote(System.getProperty("java.vm.name")),
                "processors", Integer.toString(Runtime.getRuntime().availableProcessors()),
                "use_avx", quote(vmOption("UseAVX")),
                "max_vector_size", quote(vmOption("MaxVectorSize")))));
    }

    /** A HotSpot flag's value (HotSpot caps vectors at 256 bits on some AVX-512 CPUs). */
    private static String vmOption(String name) {
        try {
            return ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class).getVMOption(name).getValue();
        } catch (RuntimeException e) {
            return "unknown";
        }
    }

    /** A workload {@code serve} has warmed up, with its window's call count. */
    private record Prepared(Workload workload, long callsPerWindow) {}

    private static void serve(Timing timing) throws IOException {
        environment();
        Map<String, Prepared> prepared = new HashMap<>();
        BufferedReader requests = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        try {
            for (String line; (line = requests.readLine()) != null; ) {
                Map<String, String> request = parseRequest(line);
                String op = request.get("op");
                if (op.equals("quit")) {
                    return;
                }
                String key = request.get("workload");
                int threads = Integer.parseInt(request.get("threads"));
                String id = key + "/" + threads;
                if (op.equals("prepare")) {
                    if (prepared.containsKey(id)) {
                        throw new IllegalStateException(id + " is already prepared");
                    }
                    Workload workload = Workload.of(key, threads);
                    long calls = timing.warmUp(workload);
                    prepared.put(id, new Prepared(workload, calls));
                    System.out.println(json(Map.of("calls_per_window", Long.toString(calls))));
                    continue;
                }
                Prepared target = prepared.get(id);
                if (target == null) {
                    throw new IllegalStateException(id + " is not prepared: " + line);
                }
                switch (op) {
                    case "window" -> {
                        Window window = Window.time(target.workload(), target.callsPerWindow());
                        System.out.println(json(Map.of(
                                "us_per_call", fmt(window.micros()),
                                "alloc_bytes_per_call", fmt(window.bytes()))));
                    }
                    case "release" -> {
                        prepared.remove(id);
                        boolean finite = target.workload().finite();
                        target.workload().close();
                        System.out.println(json(Map.of("finite", Boolean.toString(finite))));
                    }
                    default -> throw new IllegalArgumentException("unknown request " + line);
                }
            }
        } finally {
            prepared.values().forEach(p -> p.workload().close());
        }
    }

    private static Map<String, String> parseRequest(String line) {
        String text = line.strip();
        Map<String, String> fields = new HashMap<>();
        Matcher field = REQUEST_FIELD.matcher(text);
        int at = 1;
        while (text.startsWith("{") && field.region(at, text.length()).lookingAt()) {
            fields.put(field.group(1), field.group(2) != null ? field.group(2) : field.group(3));
            at = field.end();
            if (field.group(4).equals("}")) {
                if (at == text.length() && fields.containsKey("op")) {
                    return fields;
                }
                break;
            }
        }
        throw new IllegalArgumentException("not a request: " + line);
    }

    /** {@code steps} or {@code sgemm}: one workload's median of {@code --windows} windows. */
    private static void measure(String mode, String key, int threads, Timing timing) {
        try (Workload workload = Workload.of(key, threads)) {
            Window[] windows = timing.measure(workload);
            double median = median(micros(windows));
            System.out.println(json(Map.of(
                    "kind", quote(mode),
                    "workload", quote(key),
                    "threads", Integer.toString(threads),
                    "median_us", fmt(median),
                    "windows_us", list(micros(windows)),
                    "alloc_bytes_per_call", fmt(Arrays.stream(windows).mapToDouble(Window::bytes).average()
                            .orElseThrow()),
                    "gflops", fmt(workload.flopsPerCall() / median / 1e3),
                    "finite", Boolean.toString(workload.finite()))));
        }
    }

    private static void scaling(String key, int threads, Timing timing) {
        try (Workload one = Workload.of(key, 1); Workload many = Workload.of(key, threads)) {
            Window[][] windows = timing.alternate(one, many);
            double[] oneMicros = micros(windows[0]);
            double[] manyMicros = micros(windows[1]);
            double[] ratios = new double[oneMicros.length];
            Arrays.setAll(ratios, w -> oneMicros[w] / manyMicros[w]);
            System.out.println(json(Map.of(
                    "kind", "\"scaling\"",
                    "workload", quote(key),
                    "threads", Integer.toString(threads),
                    "one_thread_windows_us", list(oneMicros),
                    "windows_us", list(manyMicros),
                    "median_ratio", fmt(median(ratios)),
                    "finite", Boolean.toString(one.finite() && many.finite()))));
        }
    }

    /** The first {@code count} steps of a fresh Fashion-MNIST MLP, as a program starting cold runs them. */
    private static void cold(String key, int count, int threads) {
        try (Workload workload = Workload.of(key, threads)) {
            for (int i = 0; i < count; i++) {
                workload.call();
            }
            long sinceStart = System.currentTimeMillis() - ManagementFactory.getRuntimeMXBean().getStartTime();
            System.out.println(json(Map.of(
                    "kind", "\"cold\"",
                    "workload", quote(key),
                    "threads", Integer.toString(threads),
                    "steps", Integer.toString(count),
                    "ms_since_jvm_start", Long.toString(sinceStart),
                    "finite", Boolean.toString(workload.finite()))));
        }
    }

    /** What one timed call runs, at a thread count. Closing it stops its worker threads. */
    private interface Workload extends AutoCloseable {
        /**
         * A {@link BenchModel#key()}, whose call is one training step on a fixed batch, {@link Sgemm#KEY}, or
         * {@link Prediction#KEY}.
         */
        static Workload of(String key, int threads) {
            return switch (key) {
                case Sgemm.KEY -> new Sgemm(threads);
                case Prediction.KEY -> new Prediction(threads);
                default -> new TrainStep(BenchModel.of(key), threads);
            };
        }

        void call();

        /** Floating-point operations per call, for GFLOP/s. */
        long flopsPerCall();

        /** Whether the last call's results are finite: a diverged model would be timing NaN arithmetic. */
        boolean finite();

        @Override
        void close();
    }

    private static final class TrainStep implements Workload {
        private final BenchModel bench;
        private final float[] x;
        private final int[] labels;
        private final KilnModel model;
        private float loss;

        TrainStep(BenchModel bench, int threads) {
            this.bench = bench;
            this.x = bench.inputs(42);
            this.labels = bench.labels(42);
            this.model = bench.create(threads);
        }

        @Override
        public void call() {
            loss = model.trainStep(x, labels, bench.batch());
        }

        @Override
        public long flopsPerCall() {
            return bench.flopsPerStep();
        }

        @Override
        public boolean finite() {
            return Float.isFinite(loss);
        }

        @Override
        public void close() {
            model.close();
        }
    }

    /** The class of one sample, by the Fashion-MNIST MLP: {@code predict} of a single row. */
    private static final class Prediction implements Workload {
        static final String KEY = "predict";
        private final BenchModel bench = BenchModel.FASHION;
        private final float[] x;
        private final int[] predicted = new int[1];
        private final KilnModel model;

        Prediction(int threads) {
            this.x = Arrays.copyOf(bench.inputs(42), bench.inputs());
            this.model = bench.create(threads);
        }

        @Override
        public void call() {
            model.predict(x, 1, predicted);
        }

        @Override
        public long flopsPerCall() {
            return bench.flopsPerStep() / bench.batch() / 3;
        }

        @Override
        public boolean finite() {
            float[] logits = new float[bench.classes()];
            model.logits(x, 1, logits);
            for (float logit : logits) {
                if (!Float.isFinite(logit)) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public void close() {
            model.close();
        }
    }

    /** {@code c = a·b} for standard-normal 1024 × 1024 matrices. */
    private static final class Sgemm implements Workload {
        static final String KEY = "sgemm";
        private static final int SIZE = 1024;
        private final Kernels kernels = Kernels.get();
        private final float[] a = new float[SIZE * SIZE];
        private final float[] b = new float[SIZE * SIZE];
        private final float[] c = new float[SIZE * SIZE];
        private final ThreadTeam team;

        Sgemm(int threads) {
            SplittableRandom random = new SplittableRandom(7);
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) random.nextGaussian();
                b[i] = (float) random.nextGaussian();
            }
            team = new ThreadTeam(threads);
        }

        @Override
        public void call() {
            kernels.sgemm(team, SIZE, SIZE, SIZE, a, 0, SIZE, b, 0, SIZE, c, 0, SIZE);
        }

        @Override
        public long flopsPerCall() {
            return 2L * SIZE * SIZE * SIZE;
        }

        @Override
        public boolean finite() {
            for (float value : c) {
                if (!Float.isFinite(value)) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public void close() {
            team.close();
        }
    }

    /** One timed window: microseconds per call, and bytes allocated per call by every thread. */
    private record Window(double micros, double bytes) {
        static Window time(Workload workload, long calls) {
            long allocatedBefore = allocatedBytes();
            long start = System.nanoTime();
            for (long i = 0; i < calls; i++) {
                workload.call();
            }
            long nanos = System.nanoTime() - start;
            long allocatedAfter = allocatedBytes();
            // Between two readings lies one reading's own allocation (about a kilobyte); a third
            // reading measures it, so that only the workload's remains.
            long measuring = allocatedBytes() - allocatedAfter;
            return new Window(nanos / 1e3 / calls, (double) (allocatedAfter - allocatedBefore - measuring) / calls);
        }
    }

    /** Warm-up and window lengths in nanoseconds. */
    private record Timing(int windows, long windowNanos, long warmupNanos) {
        /** {@link #windows} windows after a warm-up. */
        Window[] measure(Workload workload) {
            long calls = warmUp(workload);
            Window[] results = new Window[windows];
            for (int w = 0; w < windows; w++) {
                results[w] = Window.time(workload, calls);
            }
            return results;
        }

        /**
         * {@link #windows} windows each of {@code first} and {@code second}, after each has warmed up,
         * alternating which goes first (ABBA...) so that a steady drift of the machine's speed favours
         * neither: {@code [0]} holds the first's windows, {@code [1]} the second's.
         */
        Window[][] alternate(Workload first, Workload second) {
            Workload[] sides = {first, second};
            long[] calls = {warmUp(first), warmUp(second)};
            Window[][] results = new Window[2][windows];
            for (int w = 0; w < windows; w++) {
                for (int turn = 0; turn < 2; turn++) {
                    int side = turn ^ (w & 1);
                    results[side][w] = Window.time(sides[side], calls[side]);
                }
            }
            return results;
        }

        /** Runs {@code workload} for the warm-up time; returns the calls that fill about one window. */
        long warmUp(Workload workload) {
            long calls = 0;
            long start = System.nanoTime();
            long elapsed;
            do {
                workload.call();
                calls++;
                elapsed = System.nanoTime() - start;
            } while (elapsed < warmupNanos);
            return Math.max(1, Math.round((double) windowNanos * calls / elapsed));
        }
    }

    /** Bytes allocated so far by all live threads: the caller and the workloads' workers. */
    private static long allocatedBytes() {
        ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        long total = 0;
        for (long bytes : threads.getThreadAllocatedBytes(threads.getAllThreadIds())) {
            total += Math.max(0, bytes);
        }
        return total;
    }

    private static double[] micros(Window[] windows) {
        return Arrays.stream(windows).mapToDouble(Window::micros).toArray();
    }

    private static String list(double[] values) {
        return Arrays.toString(Arrays.stream(values).mapToObj(SideBySide::fmt).toArray());
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int mid = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    private static String fmt(double value) {
        return String.format(Locale.ROOT, "%.6g", value);
    }

    private static String quote(String value) {
        return '"' + value.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }

    /** A flat JSON object from already-encoded values, keys sorted. */
    private static String json(Map<String, String> fields) {
        StringBuilder out = new StringBuilder("{");
        new TreeMap<>(fields).forEach((key, value) ->
                out.append(out.length() > 1 ? ", " : "").append(quote(key)).append(": ").append(value));
        return out.append('}').toString();
    }
}
