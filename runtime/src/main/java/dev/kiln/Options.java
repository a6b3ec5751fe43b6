package dev.kiln;

import java.util.Objects;

/**
 * Run-time options of a generated model: how many threads its kernels use, whether its training steps
 * may run on fewer when that is faster, and the seed of its random generator. Immutable; each
 * {@code with} method returns a new instance.
 *
 * <pre>{@code
 * var net = new KilnSeedNet(Options.defaults().withThreads(2).withSeed(0));
 * }</pre>
 */
public final class Options {
    /**
     * The seed of {@link #defaults()}: 0, so a default model is deterministic and holds the weights
     * PyTorch gives the same layers after {@code torch.manual_seed(0)}. (A PyTorch process that never
     * calls {@code manual_seed} draws a random seed; Kiln never does.)
     */
    public static final long DEFAULT_SEED = 0L;

    private static final Options DEFAULTS =
            new Options(Runtime.getRuntime().availableProcessors(), true, DEFAULT_SEED);

    private final int threads;
    private final boolean adaptiveThreads;
    private final long seed;

    private Options(int threads, boolean adaptiveThreads, long seed) {
        this.threads = threads;
        this.adaptiveThreads = adaptiveThreads;
        this.seed = seed;
    }

    /** All processors available to the JVM, adaptive threads, and seed {@link #DEFAULT_SEED}. */
    public static Options defaults() {
        return DEFAULTS;
    }

    /**
     * Threads for the model's kernels, the caller included; {@code 1} runs everything on the calling
     * thread. Results are bitwise identical for every thread count.
     *
     * @throws IllegalArgumentException if {@code threads < 1}
     */
    public Options withThreads(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
        return new Options(threads, adaptiveThreads, seed);
    }

    /**
     * Whether training steps may run on the calling thread alone when that is measured to be faster
     * than running them across all {@link #threads()} (the default), or always run across them.
     * Small steps can lose more to handing work between cores than they gain; the model times both
     * ways now and then at each batch size and keeps the faster (see
     * {@link dev.kiln.thread.AdaptiveThreads}). Results are bitwise identical either way.
     */
    public Options withAdaptiveThreads(boolean adaptiveThreads) {
        return new Options(threads, adaptiveThreads, seed);
    }

    /**
     * Seed of the model's generator, as {@code torch.manual_seed(seed)}: it reproduces PyTorch's
     * default initialisation of the same layers bit for bit, and drives dropout masks.
     */
    public Options withSeed(long seed) {
        return new Options(threads, adaptiveThreads, seed);
    }

    public int threads() {
        return threads;
    }

    public boolean adaptiveThreads() {
        return adaptiveThreads;
    }

    public long seed() {
        return seed;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Options other && other.threads == threads
                && other.adaptiveThreads == adaptiveThreads && other.seed == seed;
    }

    @Override
    public int hashCode() {
        return Objects.hash(threads, adaptiveThreads, seed);
    }

    @Override
    public String toString() {
        return "Options[threads=" + threads + ", adaptiveThreads=" + adaptiveThreads + ", seed=" + seed + "]";
    }
}
