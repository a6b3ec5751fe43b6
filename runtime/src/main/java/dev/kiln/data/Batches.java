package dev.kiln.data;

/**
 * Mini-batches of a {@link Dataset}, copied into two buffers that are reused for every batch, so
 * iterating allocates nothing after construction:
 *
 * <pre>{@code
 * Batches batches = Batches.shuffled(train, 64, seed);
 * for (int epoch = 0; epoch < epochs; epoch++) {
 *     batches.startEpoch(epoch);
 *     while (batches.next()) {
 *         model.trainStep(batches.x(), batches.labels(), batches.size());
 *     }
 * }
 * }</pre>
 *
 * <p>A shuffled iterator visits the rows of epoch {@code e} in the order {@link Shuffle#permutation
 * Shuffle.permutation(Shuffle.epochSeed(seed, e), size)}; a sequential one visits them in dataset
 * order every epoch. The order of an epoch depends only on the seed and the epoch number, and {@link
 * #startEpoch(long, int)} can start part-way, so training resumed from a checkpoint sees exactly the
 * batches it would have seen without the interruption.
 *
 * <p>Every batch has {@link #batchSize()} rows except possibly the last of an epoch, which holds the
 * remainder (or is skipped, see {@link #droppingLast()}). Only the first {@link #size()} rows of the
 * buffers belong to the current batch; the rest hold stale rows. Not thread-safe.
 */
public final class Batches {
    private final Dataset data;
    private final int batchSize;
    private final boolean shuffled;
    private final long seed;
    private final boolean dropLast;
    private final int[] order;
    private final float[] x;
    private final int[] labels;

    private long epoch;
    private int nextBatch;
    private int size;

    private Batches(Dataset data, int batchSize, boolean shuffled, long seed, boolean dropLast) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be at least 1, got " + batchSize);
        }
        this.data = data;
        this.batchSize = batchSize;
        this.shuffled = shuffled;
        this.seed = seed;
        this.dropLast = dropLast;
        this.order = new int[data.size()];
        int bufferRows = Math.min(batchSize, Math.max(data.size(), 1));
        this.x = new float[Math.multiplyExact(bufferRows, data.features())];
        this.labels = new int[bufferRows];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        startEpoch(0);
    }

    /** Batches in a fresh seeded order each epoch, positioned at the start of epoch 0. */
    public static Batches shuffled(Dataset data, int batchSize, long seed) {
        return new Batches(data, batchSize, true, seed, false);
    }

    /** Batches in dataset order, the same every epoch (for evaluation), positioned at the start. */
    public static Batches sequential(Dataset data, int batchSize) {
        return new Batches(data, batchSize, false, 0, false);
    }

    /**
     * A new iterator like this one that skips the last batch of each epoch when it would have fewer
     * than {@link #batchSize()} rows (PyTorch's {@code drop_last=True}).
     */
    public Batches droppingLast() {
        return new Batches(data, batchSize, shuffled, seed, true);
    }

    /** Positions the iterator at the first batch of epoch {@code epoch}. Allocates nothing. */
    public void startEpoch(long epoch) {
        startEpoch(epoch, 0);
    }

    /**
     * Positions the iterator at batch {@code batch} of epoch {@code epoch}, so the next call to
     * {@link #next()} loads that batch. Allocates nothing.
     *
     * @throws IllegalArgumentException if {@code epoch < 0} or {@code batch} is outside {@code [0,
     *     batchesPerEpoch()]}
     */
    public void startEpoch(long epoch, int batch) {
        if (epoch < 0) {
            throw new IllegalArgumentException("epoch must not be negative, got " + epoch);
        }
        if (batch < 0 || batch > batchesPerEpoch()) {
            throw new IllegalArgumentException(
                    "batch " + batch + " outside [0, " + batchesPerEpoch() + "] batches per epoch");
        }
        if (shuffled) {
            Shuffle.permutation(Shuffle.epochSeed(seed, epoch), order);
        }
        this.epoch = epoch;
        this.nextBatch = batch;
        this.size = 0;
    }

    /**
     * Loads the next batch of the current epoch into {@link #x()} and {@link #labels()}.
     *
     * @return {@code false} when the epoch has no more batches (then {@link #size()} is 0)
     */
    public boolean next() {
        if (nextBatch >= batchesPerEpoch()) {
            size = 0;
            return false;
        }
        int from = nextBatch * batchSize;
        size = Math.min(batchSize, order.length - from);
        data.gather(order, from, size, x, labels);
        nextBatch++;
        return true;
    }

    /** The current batch's features, row-major; only the first {@code size() * features} are valid. */
    public float[] x() {
        return x;
    }

    /** The current batch's labels; only the first {@link #size()} are valid. */
    public int[] labels() {
        return labels;
    }

    /**
     * Rows in the current batch: {@link #batchSize()}, fewer for a final partial batch, 0 before the
     * first {@link #next()} of an epoch and after its last.
     */
    public int size() {
        return size;
    }

    /** The rows in a full batch. */
    public int batchSize() {
        return batchSize;
    }

    /** The epoch being iterated. */
    public long epoch() {
        return epoch;
    }

    /**
     * The position in the current epoch: the index of the batch the next {@link #next()} loads, so
     * {@code startEpoch(epoch(), batchIndex())} (say, after restoring a checkpoint) resumes here.
     */
    public int batchIndex() {
        return nextBatch;
    }

    /** Batches per epoch: {@code ceil(rows / batchSize)}, or {@code floor} when dropping the last. */
    public int batchesPerEpoch() {
        int rows = order.length;
        int full = rows / batchSize;
        return dropLast || rows % batchSize == 0 ? full : full + 1;
    }

    /** The dataset being iterated. */
    public Dataset dataset() {
        return data;
    }
}
