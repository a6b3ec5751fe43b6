package dev.kiln.bench;

import dev.kiln.KilnModel;
import dev.kiln.kernel.Kernels;
import dev.kiln.thread.ThreadTeam;
import com.sun.management.HotSpotDiagnosticMXBean;
import com.sun.management.ThreadMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.LongSupplier;

/**
 * Kiln's half of {@code benchmarks/side_by_side.py}: times training steps of every {@link BenchModel}
 * and {@code sgemm} at 1024³, and prints one JSON object per line for the script to read.
 *
 * <p>Each measurement warms up for {@code --warmup-ms}, picks a step count that fills about
 * {@code --window-ms}, then times {@code --windows} windows of that many steps and reports their
 * median, so one disturbed window (the machine is shared) does not move the result. The warm-up is
 * long because the Vector API kernels allocate and run many times slower until C2 has compiled them,
 * which takes seconds of steps on a busy machine; {@code alloc_bytes_per_step} (every thread's
 * allocations during the timed windows) shows whether that happened: a compiled step allocates nothing.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp benchmarks/target/benchmarks.jar dev.kiln.bench.SideBySide \
 *     [steps|sgemm|scaling|cold] [--models=seed,fashion,large] [--threads=1,2] [--windows=9]
 *     [--window-ms=1000] [--warmup-ms=10000] [--cold-steps=100] [--scaling-model=large]
 * </pre>
 *
 * {@code scaling} measures the speed-up of the most threads over one on {@code --scaling-model}: both
 * models warm up, then their windows alternate and the result is the median of the per-pair ratios,
 * so that the machine's load, which drifts over seconds, is the same for both sides of each ratio.
 *
 * {@code cold} runs the first {@code --cold-steps} steps of the Fashion-MNIST MLP and exits; the
 * script times that process from its start.
 */
public final class SideBySide {
    private static final int SGEMM_SIZE = 1024;

    private SideBySide() {}

    public static void main(String[] args) {
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
                case "cold" -> cold(Integer.parseInt(options.getOrDefault("cold-steps", "100")), threads[threads.length - 1]);
                case "steps" -> {
                    environment();
                    for (String key : options.getOrDefault("models", "seed,fashion,large").split(",")) {
                        for (int t : threads) {
                            steps(BenchModel.of(key), t, timing);
                        }
                    }
                }
                case "scaling" -> scaling(BenchModel.of(options.getOrDefault("scaling-model", "large")),
                        threads[threads.length - 1], timing);
                case "sgemm" -> {
                    for (int t : threads) {
                        sgemm(t, timing);
                    }
                }
                default -> throw new IllegalArgumentException(
                        "unknown mode " + mode + ": use steps, sgemm, scaling or cold");
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

    private static void steps(BenchModel bench, int threads, Timing timing) {
        float[] x = bench.inputs(42);
        int[] labels = bench.labels(42);
        int batch = bench.batch();
        try (KilnModel model = bench.create(threads)) {
            float[] sink = new float[1];
            Measurement measurement = timing.measure(() -> {
                sink[0] += model.trainStep(x, labels, batch);
                return 0;
            });
            double median = measurement.median();
            System.out.println(json(Map.of(
                    "kind", "\"steps\"",
                    "model", quote(bench.key()),
                    "threads", Integer.toString(threads),
                    "batch", Integer.toString(batch),
                    "median_us", fmt(median),
                    "windows_us", measurement.windows(),
                    "alloc_bytes_per_step", fmt(measurement.bytesPerCall()),
                    "gflops", fmt(bench.flopsPerStep() / median / 1e3),
                    "finite", Boolean.toString(Float.isFinite(sink[0])))));
        }
    }

    private static void scaling(BenchModel bench, int threads, Timing timing) {
        float[] x = bench.inputs(42);
        int[] labels = bench.labels(42);
        int batch = bench.batch();
        try (KilnModel one = bench.create(1); KilnModel many = bench.create(threads)) {
            float[] sink = new float[1];
            double[][] windows = timing.alternate(
                    () -> sink[0] += one.trainStep(x, labels, batch),
                    () -> sink[0] += many.trainStep(x, labels, batch));
            double[] ratios = new double[windows[0].length];
            for (int w = 0; w < ratios.length; w++) {
                ratios[w] = windows[0][w] / windows[1][w];
            }
            System.out.println(json(Map.of(
                    "kind", "\"scaling\"",
                    "model", quote(bench.key()),
                    "threads", Integer.toString(threads),
                    "one_thread_windows_us", list(windows[0]),
                    "windows_us", list(windows[1]),
                    "median_ratio", fmt(median(ratios)),
                    "finite", Boolean.toString(Float.isFinite(sink[0])))));
        }
    }

    private static void sgemm(int threads, Timing timing) {
        SplittableRandom random = new SplittableRandom(7);
        float[] a = new float[SGEMM_SIZE * SGEMM_SIZE];
        float[] b = new float[SGEMM_SIZE * SGEMM_SIZE];
        float[] c = new float[SGEMM_SIZE * SGEMM_SIZE];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) random.nextGaussian();
            b[i] = (float) random.nextGaussian();
        }
        Kernels kernels = Kernels.get();
        try (ThreadTeam team = new ThreadTeam(threads)) {
            Measurement measurement = timing.measure(() -> {
                kernels.sgemm(team, SGEMM_SIZE, SGEMM_SIZE, SGEMM_SIZE, a, 0, SGEMM_SIZE, b, 0, SGEMM_SIZE,
                        c, 0, SGEMM_SIZE);
                return 0;
            });
            double median = measurement.median();
            System.out.println(json(Map.of(
                    "kind", "\"sgemm\"",
                    "size", Integer.toString(SGEMM_SIZE),
                    "threads", Integer.toString(threads),
                    "median_us", fmt(median),
                    "gflops", fmt(2.0 * SGEMM_SIZE * SGEMM_SIZE * SGEMM_SIZE / median / 1e3))));
        }
    }

    /** The first {@code count} steps of a fresh Fashion-MNIST MLP, as a program starting cold runs them. */
    private static void cold(int count, int threads) {
        BenchModel bench = BenchModel.FASHION;
        float[] x = bench.inputs(42);
        int[] labels = bench.labels(42);
        float loss = 0;
        try (KilnModel model = bench.create(threads)) {
            for (int i = 0; i < count; i++) {
                loss = model.trainStep(x, labels, bench.batch());
            }
        }
        System.out.println(json(Map.of(
                "kind", "\"cold\"",
                "model", quote(bench.key()),
                "threads", Integer.toString(threads),
                "steps", Integer.toString(count),
                "loss", fmt(loss))));
    }

    /** Microseconds per call in each window, and bytes allocated per call by every thread. */
    private record Measurement(double[] windowsMicros, double bytesPerCall) {
        double median() {
            return SideBySide.median(windowsMicros);
        }

        String windows() {
            return list(windowsMicros);
        }
    }

    /** Warm-up and window lengths in nanoseconds. */
    private record Timing(int windows, long windowNanos, long warmupNanos) {
        Measurement measure(LongSupplier body) {
            long perWindow = warmUp(body::getAsLong);
            double[] results = new double[windows];
            long allocatedBefore = allocatedBytes();
            for (int w = 0; w < windows; w++) {
                long windowStart = System.nanoTime();
                for (long i = 0; i < perWindow; i++) {
                    body.getAsLong();
                }
                results[w] = (System.nanoTime() - windowStart) / 1e3 / perWindow;
            }
            long allocated = allocatedBytes() - allocatedBefore;
            return new Measurement(results, (double) allocated / (windows * perWindow));
        }

        /**
         * Microseconds per call of {@code first} and {@code second} in alternating windows, after each
         * has warmed up: {@code [0]} holds the first's windows, {@code [1]} the second's.
         */
        double[][] alternate(Runnable first, Runnable second) {
            long[] perWindow = {warmUp(first), warmUp(second)};
            Runnable[] bodies = {first, second};
            double[][] results = new double[2][windows];
            for (int w = 0; w < windows; w++) {
                for (int side = 0; side < 2; side++) {
                    long windowStart = System.nanoTime();
                    for (long i = 0; i < perWindow[side]; i++) {
                        bodies[side].run();
                    }
                    results[side][w] = (System.nanoTime() - windowStart) / 1e3 / perWindow[side];
                }
            }
            return results;
        }

        /** Runs {@code body} for the warm-up time; returns the calls that fill about one window. */
        private long warmUp(Runnable body) {
            long calls = 0;
            long start = System.nanoTime();
            long elapsed;
            do {
                body.run();
                calls++;
                elapsed = System.nanoTime() - start;
            } while (elapsed < warmupNanos);
            return Math.max(1, Math.round((double) windowNanos * calls / elapsed));
        }
    }

    /**
     * Bytes allocated so far by all live threads: the caller and the model's workers. (The count
     * includes the arrays this method allocates, a few hundred bytes per call.)
     */
    private static long allocatedBytes() {
        ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        long total = 0;
        for (long bytes : threads.getThreadAllocatedBytes(threads.getAllThreadIds())) {
            total += Math.max(0, bytes);
        }
        return total;
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
