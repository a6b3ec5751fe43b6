package dev.kiln.bench;

import dev.kiln.KilnModel;
import dev.kiln.Options;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.Function;

/**
 * The benchmarked models with their batch sizes, shared by {@link TrainStepBenchmark} and
 * {@link SideBySide} so both time exactly what {@code side_by_side.py} runs in PyTorch.
 */
public enum BenchModel {
    /** {@link SeedModel}: 3 → 3, batch 3. */
    SEED(3, KilnSeedModel::new, 3, 3),
    /** {@link FashionMlp}: 784 → 256 → 128 → 10, batch 128. */
    FASHION(128, KilnFashionMlp::new, 784, 256, 128, 10),
    /** {@link LargeMlp}: 1024 → 1024 → 1024 → 10, batch 256. */
    LARGE(256, KilnLargeMlp::new, 1024, 1024, 1024, 10),
    /** {@link GeluMlp}: the Fashion-MNIST shapes with GELU, batch 128. */
    GELU(128, KilnGeluMlp::new, 784, 256, 128, 10),
    /** {@link DropoutMlp}: the Fashion-MNIST shapes with Dropout(0.2) and Adam, batch 128. */
    DROPOUT(128, KilnDropoutMlp::new, 784, 256, 128, 10),
    /** {@link SmallMlp}: 100 → 37 → 5, batch 50. */
    SMALL(50, KilnSmallMlp::new, 100, 37, 5),
    /** {@link DeepMlp}: six 64-wide hidden layers, 64 → … → 64 → 10, batch 32. */
    DEEP(32, KilnDeepMlp::new, 64, 64, 64, 64, 64, 64, 64, 10),
    /** {@link ManyClassMlp}: 784 → 512 → 1000, batch 128. */
    CLASSES(128, KilnManyClassMlp::new, 784, 512, 1000),
    /** {@link SigmoidMlp}: 100 → 200 → 200 → 2 with sigmoids and Nesterov momentum, batch 64. */
    SIGMOID(64, KilnSigmoidMlp::new, 100, 200, 200, 2);

    private final int batch;
    private final Function<Options, KilnModel> constructor;
    private final int[] widths;

    BenchModel(int batch, Function<Options, KilnModel> constructor, int... widths) {
        this.batch = batch;
        this.constructor = constructor;
        this.widths = widths;
    }

    /** The model's name in benchmark parameters and results: {@code seed}, {@code fashion}, {@code large}. */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@link #key()}. */
    public static BenchModel of(String key) {
        return valueOf(key.toUpperCase(Locale.ROOT));
    }

    public int batch() {
        return batch;
    }

    /** Layer widths, input first: {@code widths()[i] → widths()[i + 1]} is Linear layer i. */
    public int[] widths() {
        return widths.clone();
    }

    public int inputs() {
        return widths[0];
    }

    public int classes() {
        return widths[widths.length - 1];
    }

    /**
     * Floating-point operations of one training step's matrix products: 2·batch·in·out for each of a
     * Linear layer's forward, input-gradient and weight-gradient products. (Kiln, like PyTorch, skips
     * the first layer's input gradient, so this slightly overcounts; it is the conventional count.)
     */
    public long flopsPerStep() {
        long flops = 0;
        for (int i = 0; i + 1 < widths.length; i++) {
            flops += 6L * batch * widths[i] * widths[i + 1];
        }
        return flops;
    }

    /** A new model with seed 0 and the given thread count (and adaptive threads, the default). */
    public KilnModel create(int threads) {
        return create(threads, true);
    }

    /** A new model with seed 0, the given thread count, and adaptive threads or not. */
    public KilnModel create(int threads, boolean adaptiveThreads) {
        return constructor.apply(Options.defaults().withSeed(0).withThreads(threads).withAdaptiveThreads(adaptiveThreads));
    }

    /** A batch of standard-normal inputs, {@code [batch][inputs]}, the same for every seed value. */
    public float[] inputs(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] x = new float[batch * inputs()];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian();
        }
        return x;
    }

    /** A batch of uniformly drawn class labels. */
    public int[] labels(long seed) {
        SplittableRandom random = new SplittableRandom(seed + 1);
        int[] labels = new int[batch];
        Arrays.setAll(labels, i -> random.nextInt(classes()));
        return labels;
    }
}
