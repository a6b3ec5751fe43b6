package dev.kiln;

import java.util.Arrays;
import java.util.Objects;

/**
 * A view of one {@link Linear} layer of a generated model: its shape and its current parameters.
 * The generated class assigns one to each {@code @Linear} field; reads always see the model's current
 * values, and return copies, so they never change the model.
 */
public final class Layer {
    private final String name;
    private final int in;
    private final int out;
    private final float[] parameters;
    private final int weightOffset;
    private final int biasOffset;

    /**
     * Used by generated code: a layer whose weight {@code [out, in]} starts at {@code weightOffset}
     * of the model's flat parameter array and whose bias {@code [out]} starts at {@code biasOffset}
     * ({@code -1} when the layer has no bias).
     */
    public Layer(String name, int in, int out, float[] parameters, int weightOffset, int biasOffset) {
        this.name = Objects.requireNonNull(name, "name");
        this.in = in;
        this.out = out;
        this.parameters = Objects.requireNonNull(parameters, "parameters");
        this.weightOffset = weightOffset;
        this.biasOffset = biasOffset;
        if (in < 1 || out < 1 || weightOffset < 0 || weightOffset + in * out > parameters.length
                || (biasOffset >= 0 && biasOffset + out > parameters.length)) {
            throw new IllegalArgumentException("layer " + name + " does not fit its parameter array");
        }
    }

    /** The field name, which is also the prefix of its tensors ({@code fc.weight}, {@code fc.bias}). */
    public String name() {
        return name;
    }

    public int in() {
        return in;
    }

    public int out() {
        return out;
    }

    public boolean hasBias() {
        return biasOffset >= 0;
    }

    /** A copy of the weight, row-major {@code [out, in]} as in PyTorch. */
    public float[] weight() {
        return Arrays.copyOfRange(parameters, weightOffset, weightOffset + in * out);
    }

    /** One weight, {@code W[row][column]}. */
    public float weight(int row, int column) {
        Objects.checkIndex(row, out);
        Objects.checkIndex(column, in);
        return parameters[weightOffset + row * in + column];
    }

    /** A copy of the bias {@code [out]}; empty when the layer has none. */
    public float[] bias() {
        return hasBias() ? Arrays.copyOfRange(parameters, biasOffset, biasOffset + out) : new float[0];
    }

    @Override
    public String toString() {
        return "Linear " + name + "(" + in + " -> " + out + (hasBias() ? "" : ", no bias") + ")";
    }
}
