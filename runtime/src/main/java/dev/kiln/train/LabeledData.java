package dev.kiln.train;

import java.util.Objects;

/**
 * Rows of features with class labels, held in memory: row {@code i} is
 * {@code features[i * inputs .. (i + 1) * inputs)} with label {@code labels[i]}, where
 * {@code inputs = features.length / labels.length}. The arrays are used as given, not copied.
 */
public record LabeledData(float[] features, int[] labels) {

    /** @throws IllegalArgumentException if there are no rows or the features do not divide into them */
    public LabeledData {
        Objects.requireNonNull(features, "features");
        Objects.requireNonNull(labels, "labels");
        if (labels.length == 0) {
            throw new IllegalArgumentException("no rows");
        }
        if (features.length % labels.length != 0) {
            throw new IllegalArgumentException(features.length + " features do not divide into " + labels.length + " rows");
        }
    }

    /** Number of rows. */
    public int size() {
        return labels.length;
    }

    /** Features per row. */
    public int inputs() {
        return features.length / labels.length;
    }
}
