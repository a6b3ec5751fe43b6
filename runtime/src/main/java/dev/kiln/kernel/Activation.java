package dev.kiln.kernel;

/**
 * An elementwise activation and its derivative, with PyTorch's formulas (derivatives at the kinks
 * included: ReLU'(0) = 0, LeakyReLU'(0) = slope).
 *
 * @param kind which function
 * @param negativeSlope LeakyReLU's slope for negative inputs; ignored by the other kinds
 */
public record Activation(Kind kind, float negativeSlope) {

    /** The supported functions. */
    public enum Kind { IDENTITY, RELU, LEAKY_RELU, TANH, SIGMOID, GELU, GELU_TANH, SILU }

    public static final Activation IDENTITY = new Activation(Kind.IDENTITY, 0f);
    public static final Activation RELU = new Activation(Kind.RELU, 0f);
    public static final Activation TANH = new Activation(Kind.TANH, 0f);
    public static final Activation SIGMOID = new Activation(Kind.SIGMOID, 0f);
    public static final Activation GELU = new Activation(Kind.GELU, 0f);
    public static final Activation GELU_TANH = new Activation(Kind.GELU_TANH, 0f);
    public static final Activation SILU = new Activation(Kind.SILU, 0f);

    /** tanh-GELU's constants as PyTorch holds them: √(2/π) and 0.044715 in float, and 3·0.044715. */
    public static final float GELU_BETA = (float) Math.sqrt(2 / Math.PI), GELU_KAPPA = 0.044715f,
            GELU_THREE_KAPPA = 3f * GELU_KAPPA;

    public Activation {
        if (kind == null) {
            throw new NullPointerException("kind");
        }
    }

    public static Activation leakyRelu(float negativeSlope) {
        return new Activation(Kind.LEAKY_RELU, negativeSlope);
    }

    /**
     * The function at {@code x}, in float with {@link FloatMath} and in the order of PyTorch's vectorized
     * CPU kernels; the SIMD kernels repeat these operations lane by lane.
     */
    public float apply(float x) {
        switch (kind) {
            case IDENTITY:
                return x;
            case RELU:
                return x > 0 ? x : 0f;
            case LEAKY_RELU:
                return x > 0 ? x : negativeSlope * x;
            case TANH:
                return FloatMath.tanh(x);
            case SIGMOID:
                return FloatMath.sigmoid(x);
            case GELU:
                return x * FloatMath.normalCdf(x);
            case GELU_TANH:
                return 0.5f * x * (1f + FloatMath.tanh(GELU_BETA * (x + GELU_KAPPA * (x * x * x))));
            case SILU:
                return x / (1f + FloatMath.exp(-x));
            default:
                throw new AssertionError(kind);
        }
    }

    /**
     * The derivative at pre-activation {@code x}, given {@code y = apply(x)} (Tanh and Sigmoid use
     * {@code y}, as PyTorch's backward does).
     */
    public float derivative(float x, float y) {
        switch (kind) {
            case IDENTITY:
                return 1f;
            case RELU:
                return x > 0 ? 1f : 0f;
            case LEAKY_RELU:
                return x > 0 ? 1f : negativeSlope;
            case TANH:
                return 1f - y * y;
            case SIGMOID:
                return y * (1f - y);
            case GELU:
                return FloatMath.normalCdf(x) + x * FloatMath.normalPdf(x);
            case GELU_TANH: {
                float xSquared = x * x;
                float t = FloatMath.tanh(GELU_BETA * (x + GELU_KAPPA * (xSquared * x)));
                float innerDerivative = GELU_BETA * (1f + GELU_THREE_KAPPA * xSquared);
                return 0.5f * (1f + t) + 0.5f * x * (1f - t * t) * innerDerivative;
            }
            case SILU: {
                float s = FloatMath.sigmoid(x);
                return s * (1f + x * (1f - s));
            }
            default:
                throw new AssertionError(kind);
        }
    }
}
