package dev.kiln.bench;

import dev.kiln.kernel.Kernels;
import dev.kiln.thread.ThreadTeam;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Matrix-product throughput of the kernels {@link Kernels#get()} chooses: {@code sgemm} at 1024³ and
 * the three Linear-layer products at batch 256, 1024 → 1024. Each product is 2·1024³ (sgemm) or
 * 2·256·1024·1024 (Linear) floating-point operations, so GFLOP/s = that / (ms/op · 1e6).
 *
 * <pre>
 * mvn -q -pl benchmarks -am package -DskipTests
 * java --add-modules jdk.incubator.vector -jar benchmarks/target/benchmarks.jar SgemmBenchmark
 * </pre>
 *
 * <p>HotSpot limits some AVX-512 processors (early Skylake-SP) to 256-bit vectors by default; there,
 * {@code -jvmArgsAppend -XX:UseAVX=3} measures the 512-bit kernels.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "--add-modules=jdk.incubator.vector")
public class SgemmBenchmark {
    private static final int SIZE = 1024;
    private static final int BATCH = 256;
    private static final int FEATURES = 1024;

    /** Team size, the calling thread included. */
    @Param({"1", "2"})
    public int threads;

    private final Kernels kernels = Kernels.get();
    private ThreadTeam team;
    private float[] a, b, c;
    private float[] x, params, y, dy, dx, grads;

    @Setup(Level.Trial)
    public void setUp() {
        team = new ThreadTeam(threads);
        SplittableRandom random = new SplittableRandom(42);
        a = randoms(random, SIZE * SIZE);
        b = randoms(random, SIZE * SIZE);
        c = new float[SIZE * SIZE];
        x = randoms(random, BATCH * FEATURES);
        params = randoms(random, FEATURES * FEATURES + FEATURES);
        y = new float[BATCH * FEATURES];
        dy = randoms(random, BATCH * FEATURES);
        dx = new float[BATCH * FEATURES];
        grads = new float[params.length];
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        team.close();
    }

    @Benchmark
    public float[] sgemm1024() {
        kernels.sgemm(team, SIZE, SIZE, SIZE, a, 0, SIZE, b, 0, SIZE, c, 0, SIZE);
        return c;
    }

    @Benchmark
    public float[] linearForward() {
        kernels.linearForward(team, BATCH, FEATURES, FEATURES, x, 0, params, 0, FEATURES * FEATURES, y, 0);
        return y;
    }

    @Benchmark
    public float[] linearBackwardInput() {
        kernels.linearBackwardInput(team, BATCH, FEATURES, FEATURES, dy, 0, params, 0, dx, 0);
        return dx;
    }

    @Benchmark
    public float[] linearBackwardParams() {
        kernels.linearBackwardParams(team, BATCH, FEATURES, FEATURES, dy, 0, x, 0, grads, 0,
                FEATURES * FEATURES);
        return grads;
    }

    private static float[] randoms(SplittableRandom random, int length) {
        float[] values = new float[length];
        for (int i = 0; i < length; i++) {
            values[i] = (float) (random.nextDouble() * 2 - 1);
        }
        return values;
    }
}
