package dev.kiln.train;

import dev.kiln.KilnModel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * A hand-written {@link KilnModel} for testing the loop: one linear layer, softmax cross-entropy (mean
 * over the batch), plain SGD, in float with straightforward loops. Saves as safetensors like a
 * generated model: {@code fc.weight [classes, inputs]}, {@code fc.bias [classes]}, the step count in
 * {@code kiln.steps}, written to a temporary file, forced and atomically renamed.
 */
class SoftmaxRegression implements KilnModel {
    final float[] weight;
    final float[] bias;
    private final int inputs;
    private final int classes;
    private double learningRate;
    private long steps;
    private float[] probabilities = new float[0];
    int saves;

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
        save(file, Map.of());
    }

    @Override
    public void save(Path file, Map<String, String> metadata) throws IOException {
        saves++;
        byte[] bytes = encode(metadata);
        Path temporary = file.resolveSibling(file.getFileName() + ".model-tmp");
        try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.wrap(bytes));
            channel.force(true);
        }
        Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** The complete safetensors file. */
    byte[] encode(Map<String, String> metadata) {
        Map<String, String> all = new TreeMap<>(metadata);
        all.put("kiln.steps", Long.toString(steps));
        StringBuilder header = new StringBuilder("{\"__metadata__\":{");
        String separator = "";
        for (Map.Entry<String, String> e : all.entrySet()) {
            header.append(separator).append(json(e.getKey())).append(':').append(json(e.getValue()));
            separator = ",";
        }
        int biasBytes = 4 * classes;
        header.append("},\"fc.bias\":{\"dtype\":\"F32\",\"shape\":[").append(classes)
                .append("],\"data_offsets\":[0,").append(biasBytes).append("]},")
                .append("\"fc.weight\":{\"dtype\":\"F32\",\"shape\":[").append(classes).append(',').append(inputs)
                .append("],\"data_offsets\":[").append(biasBytes).append(',').append(biasBytes + 4 * weight.length)
                .append("]}}");
        while ((header.length() + 8) % 8 != 0) {
            header.append(' ');
        }
        byte[] headerBytes = header.toString().getBytes(StandardCharsets.UTF_8);
        ByteBuffer file = ByteBuffer.allocate(8 + headerBytes.length + 4 * (classes + weight.length))
                .order(ByteOrder.LITTLE_ENDIAN);
        file.putLong(headerBytes.length).put(headerBytes);
        for (float b : bias) {
            file.putFloat(b);
        }
        for (float w : weight) {
            file.putFloat(w);
        }
        return file.array();
    }

    private static String json(String text) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }

    @Override
    public void load(Path file) throws IOException {
        Map<String, String> metadata = CheckpointMetadata.read(file);
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        long headerLength = bytes.getLong();
        long expected = 8 + headerLength + 4L * (classes + weight.length);
        if (bytes.capacity() != expected || !metadata.containsKey("kiln.steps")) {
            throw new IOException(file + ": not a checkpoint of this model");
        }
        bytes.position((int) (8 + headerLength));
        float[] newBias = new float[classes];
        float[] newWeight = new float[weight.length];
        bytes.asFloatBuffer().get(newBias).get(newWeight);
        System.arraycopy(newBias, 0, bias, 0, classes);
        System.arraycopy(newWeight, 0, weight, 0, weight.length);
        steps = Long.parseLong(metadata.get("kiln.steps"));
    }

    @Override
    public void close() {}

    /** Whether both models hold bitwise the same parameters and step count. */
    boolean sameState(SoftmaxRegression other) {
        return Arrays.equals(weight, other.weight) && Arrays.equals(bias, other.bias) && steps == other.steps;
    }
}
