package dev.kiln.data;

import java.util.Arrays;

/**
 * Per-feature standardisation, {@code (x - mean) / scale}, with the mean and scale fitted on one
 * dataset (the training set) and applied unchanged to others (validation, test), as scikit-learn's
 * {@code StandardScaler}: the scale is the population standard deviation (dividing by {@code n}), and
 * 1 for a constant feature so that it maps to 0 instead of dividing by zero. Statistics are
 * accumulated in double precision.
 */
public final class Standardizer {
    private final float[] mean;
    private final float[] scale;

    private Standardizer(float[] mean, float[] scale) {
        this.mean = mean;
        this.scale = scale;
    }

    /**
     * The mean and standard deviation of each feature of {@code data}.
     *
     * @throws IllegalArgumentException if {@code data} is empty
     */
    public static Standardizer fit(Dataset data) {
        int n = data.size();
        if (n == 0) {
            throw new IllegalArgumentException("cannot fit a standardizer on an empty dataset");
        }
        int features = data.features();
        float[] x = data.featureArray();
        double[] sum = new double[features];
        for (int i = 0; i < x.length; i++) {
            sum[i % features] += x[i];
        }
        double[] means = new double[features];
        for (int f = 0; f < features; f++) {
            means[f] = sum[f] / n;
        }
        // Two passes: squared deviations from the mean, which loses no precision on large offsets.
        double[] squares = new double[features];
        for (int i = 0; i < x.length; i++) {
            double d = x[i] - means[i % features];
            squares[i % features] += d * d;
        }
        float[] mean = new float[features];
        float[] scale = new float[features];
        for (int f = 0; f < features; f++) {
            mean[f] = (float) means[f];
            float std = (float) Math.sqrt(squares[f] / n);
            scale[f] = std == 0 ? 1 : std;
        }
        return new Standardizer(mean, scale);
    }

    /** A copy of {@code data} with every feature standardised. */
    public Dataset apply(Dataset data) {
        if (data.features() != mean.length) {
            throw new IllegalArgumentException("fitted on " + mean.length + " features, but the dataset has "
                    + data.features());
        }
        return data.withFeatures(x -> {
            for (int i = 0; i < x.length; i++) {
                int f = i % mean.length;
                x[i] = (x[i] - mean[f]) / scale[f];
            }
        });
    }

    /** The fitted mean of each feature. */
    public float[] mean() {
        return mean.clone();
    }

    /** The fitted scale of each feature (the standard deviation, or 1 for a constant feature). */
    public float[] scale() {
        return scale.clone();
    }

    @Override
    public String toString() {
        return "Standardizer[mean=" + Arrays.toString(mean) + ", scale=" + Arrays.toString(scale) + "]";
    }
}
