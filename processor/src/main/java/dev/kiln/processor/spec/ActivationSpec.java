package dev.kiln.processor.spec;

/**
 * An activation function after a layer.
 *
 * @param negativeSlope LeakyReLU's slope; 0 for the other kinds
 */
public record ActivationSpec(Kind kind, double negativeSlope) {
    public static final ActivationSpec IDENTITY = new ActivationSpec(Kind.IDENTITY, 0);

    /** The functions, named as {@code dev.kiln.kernel.Activation.Kind}. */
    public enum Kind { IDENTITY, RELU, LEAKY_RELU, TANH, SIGMOID, GELU, GELU_TANH, SILU }
}
