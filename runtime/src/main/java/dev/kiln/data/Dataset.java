package dev.kiln.data;

import java.util.Arrays;
import java.util.List;

/**
 * An immutable in-memory classification dataset: {@link #size()} rows of {@link #features()} float
 * features each, stored row-major, with one class index in {@code [0, classes())} per row.
 *
 * <p>{@link #slice(int, int) Slices} and the two halves of a {@link #split(double, long) split} are
 * views that share the rows of the dataset they come from (safe, since nothing changes them);
 * {@link #shuffle(long)} and {@link #subset(int[])} copy. To train on it, iterate mini-batches with
 * {@link Batches}.
 */
public final class Dataset {
    private final float[] x;
    private final int[] labels;
    private final int firstRow;
    private final int size;
    private final int features;
    private final int classes;
    private final List<String> classNames;

    private Dataset(
            float[] x, int[] labels, int firstRow, int size, int features, int classes, List<String> classNames) {
        this.x = x;
        this.labels = labels;
        this.firstRow = firstRow;
        this.size = size;
        this.features = features;
        this.classes = classes;
        this.classNames = classNames;
    }

    /**
     * A dataset holding copies of {@code x} (row-major {@code [n][features]}) and {@code labels}
     * ({@code n} class indices).
     *
     * @throws IllegalArgumentException if the lengths disagree, {@code features < 1}, {@code classes <
     *     1}, a label is outside {@code [0, classes)} or a feature is NaN or infinite
     */
    public static Dataset of(float[] x, int[] labels, int features, int classes) {
        return of(x, labels, features, classes, List.of());
    }

    /**
     * As {@link #of(float[], int[], int, int)}, with a name for each class ({@code classNames.get(k)}
     * names class {@code k}; its size must be {@code classes}), or an empty list for unnamed classes.
     */
    public static Dataset of(float[] x, int[] labels, int features, int classes, List<String> classNames) {
        if (features < 1) {
            throw new IllegalArgumentException("features must be at least 1, got " + features);
        }
        if (classes < 1) {
            throw new IllegalArgumentException("classes must be at least 1, got " + classes);
        }
        if ((long) labels.length * features != x.length) {
            throw new IllegalArgumentException("x has " + x.length + " values, but " + labels.length
                    + " labels of " + features + " features need " + (long) labels.length * features);
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= classes) {
                throw new IllegalArgumentException(
                        "label " + labels[i] + " of row " + i + " is outside [0, " + classes + ")");
            }
        }
        for (int i = 0; i < x.length; i++) {
            if (!Float.isFinite(x[i])) {
                throw new IllegalArgumentException(
                        "feature " + i % features + " of row " + i / features + " is " + x[i]);
            }
        }
        return new Dataset(x.clone(), labels.clone(), 0, labels.length, features, classes,
                checkedNames(classNames, classes));
    }

    /** Wraps arrays the caller has validated and will not touch again: the readers' fresh arrays. */
    static Dataset wrap(float[] x, int[] labels, int features, int classes, List<String> classNames) {
        return new Dataset(x, labels, 0, labels.length, features, classes, checkedNames(classNames, classes));
    }

    private static List<String> checkedNames(List<String> classNames, int classes) {
        if (!classNames.isEmpty() && classNames.size() != classes) {
            throw new IllegalArgumentException(
                    classNames.size() + " class names for " + classes + " classes: " + classNames);
        }
        return List.copyOf(classNames);
    }

    /** Number of rows. */
    public int size() {
        return size;
    }

    /** Features per row. */
    public int features() {
        return features;
    }

    /** Number of classes; every label is in {@code [0, classes())}. */
    public int classes() {
        return classes;
    }

    /** The name of each class in index order, or an empty list when the source gave none. */
    public List<String> classNames() {
        return classNames;
    }

    /** The class index of row {@code row}. */
    public int label(int row) {
        return labels[firstRow + checkRow(row)];
    }

    /** Feature {@code feature} of row {@code row}. */
    public float feature(int row, int feature) {
        checkRow(row);
        if (feature < 0 || feature >= features) {
            throw new IndexOutOfBoundsException("feature " + feature + " outside [0, " + features + ")");
        }
        return x[(firstRow + row) * features + feature];
    }

    /** A copy of all features, row-major {@code [size()][features()]}. */
    public float[] featureArray() {
        return Arrays.copyOfRange(x, firstRow * features, (firstRow + size) * features);
    }

    /** A copy of all labels. */
    public int[] labelArray() {
        return Arrays.copyOfRange(labels, firstRow, firstRow + size);
    }

    /** How many rows each class has: {@code counts[k]} rows carry label {@code k}. */
    public int[] classCounts() {
        int[] counts = new int[classes];
        for (int i = firstRow; i < firstRow + size; i++) {
            counts[labels[i]]++;
        }
        return counts;
    }

    /**
     * The rows {@code [from, to)} as a view sharing this dataset's storage.
     *
     * @throws IndexOutOfBoundsException unless {@code 0 <= from <= to <= size()}
     */
    public Dataset slice(int from, int to) {
        if (from < 0 || from > to || to > size) {
            throw new IndexOutOfBoundsException("slice [" + from + ", " + to + ") of " + size + " rows");
        }
        return new Dataset(x, labels, firstRow + from, to - from, features, classes, classNames);
    }

    /** A copy holding the given rows in the given order (repeats allowed). */
    public Dataset subset(int[] rows) {
        float[] subX = new float[Math.multiplyExact(rows.length, features)];
        int[] subLabels = new int[rows.length];
        for (int i = 0; i < rows.length; i++) {
            int row = firstRow + checkRow(rows[i]);
            System.arraycopy(x, row * features, subX, i * features, features);
            subLabels[i] = labels[row];
        }
        return new Dataset(subX, subLabels, 0, rows.length, features, classes, classNames);
    }

    /**
     * A copy with the rows permuted: row {@code i} of the result is row {@code p[i]} of this dataset,
     * where {@code p} is {@link Shuffle#permutation(long, int) Shuffle.permutation(seed, size())}. The
     * same seed always gives the same order.
     */
    public Dataset shuffle(long seed) {
        return subset(Shuffle.permutation(seed, size));
    }

    /**
     * Shuffles with {@code seed} (as {@link #shuffle(long)}) and splits the result: the last {@code
     * round(validationFraction * size())} rows become the validation set, the rest the training set.
     * Both are views of one shuffled copy.
     *
     * @throws IllegalArgumentException unless {@code 0 <= validationFraction <= 1}
     */
    public Split split(double validationFraction, long seed) {
        if (!(validationFraction >= 0 && validationFraction <= 1)) {
            throw new IllegalArgumentException(
                    "validationFraction must be in [0, 1], got " + validationFraction);
        }
        int validation = (int) Math.round(validationFraction * size);
        Dataset shuffled = shuffle(seed);
        return new Split(shuffled.slice(0, size - validation), shuffled.slice(size - validation, size));
    }

    /** The two parts of {@link #split(double, long)}. */
    public record Split(Dataset train, Dataset validation) {}

    /**
     * A dataset with the same labels and features transformed by {@code transform}, which receives a
     * fresh row-major copy of the features to rewrite in place.
     */
    Dataset withFeatures(java.util.function.Consumer<float[]> transform) {
        float[] copy = featureArray();
        transform.accept(copy);
        return new Dataset(copy, labelArray(), 0, size, features, classes, classNames);
    }

    /** Copies rows {@code order[from .. from + count)} into {@code xOut} and {@code labelsOut}. */
    void gather(int[] order, int from, int count, float[] xOut, int[] labelsOut) {
        for (int i = 0; i < count; i++) {
            int row = firstRow + order[from + i];
            System.arraycopy(x, row * features, xOut, i * features, features);
            labelsOut[i] = labels[row];
        }
    }

    private int checkRow(int row) {
        if (row < 0 || row >= size) {
            throw new IndexOutOfBoundsException("row " + row + " outside [0, " + size + ")");
        }
        return row;
    }

    @Override
    public String toString() {
        return "Dataset[size=" + size + ", features=" + features + ", classes=" + classes + "]";
    }
}
