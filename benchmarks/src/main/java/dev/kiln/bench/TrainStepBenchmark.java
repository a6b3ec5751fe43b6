package dev.kiln.bench;

import dev.kiln.KilnModel;
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
 * One {@code trainStep} (forward, cross-entropy with label smoothing 0.1, backward, SGD with momentum
 * 0.9, or what the model declares) of each generated {@link BenchModel} on a fixed batch. With {@code -prof gc},
 * {@code gc.alloc.rate.norm} shows the step allocates nothing: what remains is JMH's own bookkeeping,
 * a few kilobytes per iteration, spread over the iteration's steps (so it shows for the slow models).
 *
 * <pre>
 * mvn -q -pl benchmarks -am package -DskipTests
 * java --add-modules jdk.incubator.vector -jar benchmarks/target/benchmarks.jar TrainStepBenchmark -prof gc
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "--add-modules=jdk.incubator.vector")
public class TrainStepBenchmark {
    /** {@link BenchModel#key()}. */
    @Param({"seed", "fashion", "large", "gelu", "dropout", "small", "deep", "classes", "sigmoid"})
    public String model;

    /** Threads of the model's team, the calling thread included. */
    @Param({"1", "2"})
    public int threads;

    /**
     * Whether steps may run on the calling thread alone when that is faster ({@code Options.withAdaptiveThreads},
     * the default); {@code -p adaptive=true,false} compares with always using every thread.
     */
    @Param({"true"})
    public boolean adaptive;

    private KilnModel net;
    private float[] x;
    private int[] labels;
    private int batch;

    @Setup(Level.Trial)
    public void setUp() {
        BenchModel bench = BenchModel.of(model);
        net = bench.create(threads, adaptive);
        x = bench.inputs(42);
        labels = bench.labels(42);
        batch = bench.batch();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        net.close();
    }

    @Benchmark
    public float trainStep() {
        return net.trainStep(x, labels, batch);
    }
}
