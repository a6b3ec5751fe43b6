package dev.kiln.train;

import dev.kiln.KilnModel;
import dev.kiln.io.FloatTensor;
import dev.kiln.io.Safetensors;
import dev.kiln.io.SafetensorsFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * A hand-written {@link KilnModel} for testing the loop: one linear layer, softmax cross-entropy (mean
 * over the batch), plain SGD, in float with straightforward loops. Saves as safetensors like a
 * generated model: {@code fc.weight [classes, inputs]}, {@code fc.bias [classes]} and the step count in
 * {@code kiln.steps}, written atomically by {@link Safetensors#write}.
 */
class SoftmaxRegression implements KilnModel {
    final float[] weight;
    final float[] bias;
    private final int inputs;
    private final int classes;
    private double learningRate;
    private long steps;
    private float[] probabilities = new float[0];

    SoftmaxRegression(int inputs, int classes, double learningRate, long seed) {
        this.inputs = inputs;
        this.classes = classes;
        this.learningRate = learningRate;
        this.weight = new float[classes * inputs];
        this.bias = new float[classes];
        Random random = new Random(seed);
        for (int i = 0; i < weight.length; i++) {
            weight[i] = (float) (random.nextGaussian() * 0.1);
        }
    }

    @Override
    public int inputs() {
        return inputs;
    }

    @Override
    public int classes() {
        return classes;
    }

    @Override
    public int ignoreIndex() {
        return -100;
    }

    @Override
    public int parameterCount() {
        return weight.length + bias.length;
    }

    @Override
    public float trainStep(float[] x, int[] labels, int n) {
        return trainStep(x, oneHot(labels, n), n);
    }

    @Override
    public float trainStep(float[] x, float[] targets, int n) {
        float loss = forward(x, targets, n, null);
        float[] gradWeight = new float[weight.length];
        float[] gradBias = new float[classes];
        for (int r = 0; r < n; r++) {
            float targetSum = 0;
            for (int c = 0; c < classes; c++) {
                targetSum += targets[r * classes + c];
            }
            for (int c = 0; c < classes; c++) {
                float delta = (probabilities[r * classes + c] * targetSum - targets[r * classes + c]) / n;
                gradBias[c] += delta;
                for (int i = 0; i < inputs; i++) {
                    gradWeight[c * inputs + i] += delta * x[r * inputs + i];
                }
            }
        }
        float lr = (float) learningRate;
        for (int i = 0; i < weight.length; i++) {
            weight[i] -= lr * gradWeight[i];
        }
        for (int c = 0; c < classes; c++) {
            bias[c] -= lr * gradBias[c];
        }
        steps++;
        return loss;
    }

    @Override
    public float loss(float[] x, int[] labels, int n) {
        return forward(x, oneHot(labels, n), n, null);
    }

    @Override
    public void losses(float[] x, int[] labels, int n, float[] out) {
        forward(x, oneHot(labels, n), n, out);
    }

    @Override
    public void logits(float[] x, int n, float[] out) {
        for (int r = 0; r < n; r++) {
            for (int c = 0; c < classes; c++) {
                float z = bias[c];
                for (int i = 0; i < inputs; i++) {
                    z += weight[c * inputs + i] * x[r * inputs + i];
                }
                out[r * classes + c] = z;
            }
        }
    }

    @Override
    public void predict(float[] x, int n, int[] out) {
        float[] z = new float[n * classes];
        logits(x, n, z);
        for (int r = 0; r < n; r++) {
            int best = 0;
            for (int c = 1; c < classes; c++) {
                if (z[r * classes + c] > z[r * classes + best]) {
                    best = c;
                }
            }
            out[r] = best;
        }
    }

    /** Mean cross-entropy; fills {@link #probabilities} and, if given, per-row losses. */
    private float forward(float[] x, float[] targets, int n, float[] rowLosses) {
        if (probabilities.length < n * classes) {
            probabilities = new float[n * classes];
        }
        logits(x, n, probabilities);
        double total = 0;
        for (int r = 0; r < n; r++) {
            float max = Float.NEGATIVE_INFINITY;
            for (int c = 0; c < classes; c++) {
                max = Math.max(max, probabilities[r * classes + c]);
            }
            float sum = 0;
            for (int c = 0; c < classes; c++) {
                sum += (float) Math.exp(probabilities[r * classes + c] - max);
            }
            float logSum = max + (float) Math.log(sum);
            float rowLoss = 0;
            for (int c = 0; c < classes; c++) {
                float logP = probabilities[r * classes + c] - logSum;
                rowLoss -= targets[r * classes + c] * logP;
                probabilities[r * classes + c] = (float) Math.exp(logP);
            }
            if (rowLosses != null) {
                rowLosses[r] = rowLoss;
            }
            total += rowLoss;
        }
        return (float) (total / n);
    }

    private float[] oneHot(int[] labels, int n) {
        float[] targets = new float[n * classes];
        for (int r = 0; r < n; r++) {
            if (labels[r] < 0 || labels[r] >= classes) {
                throw new IllegalArgumentException("label " + labels[r]);
            }
            targets[r * classes + labels[r]] = 1;
        }
        return targets;
    }

    @Override
    public double learningRate() {
        return learningRate;
    }

    @Override
    public void learningRate(double lr) {
        this.learningRate = lr;
    }

    @Override
    public long steps() {
        return steps;
    }

    @Override
    public void save(Path file) throws IOException {
        Safetensors.write(file, List.of(FloatTensor.of("fc.weight", weight, 0, classes, inputs),
                FloatTensor.of("fc.bias", bias, 0, classes)), Map.of());
    }

    @Override
    public void saveCheckpoint(Path file, Map<String, String> metadata) throws IOException {
        Map<String, String> all = new TreeMap<>(metadata);
        all.put("kiln.steps", Long.toString(steps));
        Safetensors.write(file, List.of(FloatTensor.of("fc.weight", weight, 0, classes, inputs),
                FloatTensor.of("fc.bias", bias, 0, classes)), all);
    }

    @Override
    public void load(Path file) throws IOException {
        SafetensorsFile saved = Safetensors.read(file);
        String savedSteps = saved.metadata().get("kiln.steps");
        if (!Arrays.equals(saved.shape("fc.weight"), new long[] {classes, inputs})) {
            throw new IOException(file + ": not parameters of this model");
        }
        saved.copyFloats("fc.weight", weight, 0);
        saved.copyFloats("fc.bias", bias, 0);
        if (savedSteps != null) {
            steps = Long.parseLong(savedSteps);
        }
    }

    @Override
    public void close() {}

    /** Whether both models hold bitwise the same parameters and step count. */
    boolean sameState(SoftmaxRegression other) {
        return Arrays.equals(weight, other.weight) && Arrays.equals(bias, other.bias) && steps == other.steps;
    }
}
