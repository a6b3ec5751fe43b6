package dev.kiln.train;

import java.util.Random;

/** Gaussian clusters, one per class, around fixed centres: easy but not trivially separable data. */
final class Blobs {
    static final int INPUTS = 4;
    static final int CLASSES = 3;

    private Blobs() {}

    /** {@code rows} rows drawn with {@code seed}; every seed shares the same class centres. */
    static LabeledData sample(int rows, long seed) {
        Random centres = new Random(42);
        float[][] centre = new float[CLASSES][INPUTS];
        for (float[] c : centre) {
            for (int i = 0; i < INPUTS; i++) {
                c[i] = (float) (centres.nextGaussian() * 3);
            }
        }
        Random random = new Random(seed);
        float[] features = new float[rows * INPUTS];
        int[] labels = new int[rows];
        for (int r = 0; r < rows; r++) {
            labels[r] = random.nextInt(CLASSES);
            for (int i = 0; i < INPUTS; i++) {
                features[r * INPUTS + i] = centre[labels[r]][i] + (float) random.nextGaussian();
            }
        }
        return new LabeledData(features, labels);
    }

    /** The same rows with every label moved to the next class: a model that learns the data gets worse on it. */
    static LabeledData mislabelled(LabeledData data) {
        int[] labels = new int[data.size()];
        for (int r = 0; r < labels.length; r++) {
            labels[r] = (data.labels()[r] + 1) % CLASSES;
        }
        return new LabeledData(data.features(), labels);
    }

    static SoftmaxRegression model(double learningRate) {
        return new SoftmaxRegression(INPUTS, CLASSES, learningRate, 7);
    }
}
