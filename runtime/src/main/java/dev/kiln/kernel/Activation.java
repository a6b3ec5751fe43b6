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

    private static final double SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
    private static final double INV_SQRT_2 = 1 / Math.sqrt(2);
    private static final double INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
    private static final double GELU_CUBIC = 0.044715;

    public Activation {
        if (kind == null) {
            throw new NullPointerException("kind");
        }
    }

    public static Activation leakyRelu(float negativeSlope) {
        return new Activation(Kind.LEAKY_RELU, negativeSlope);
    }

    /** The function at {@code x}. */
    public float apply(float x) {
        switch (kind) {
            case IDENTITY:
                return x;
            case RELU:
                return x > 0 ? x : 0f;
            case LEAKY_RELU:
                return x > 0 ? x : negativeSlope * x;
            case TANH:
                return (float) Transcendentals.tanh(x);
            case SIGMOID:
                return (float) sigmoid(x);
            case GELU:
                return (float) (0.5 * x * (1 + Erf.erf(x * INV_SQRT_2)));
            case GELU_TANH:
                return (float) (0.5 * x * (1 + geluTanhInner(x)));
            case SILU:
                return (float) (x * sigmoid(x));
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
            case GELU: {
                double cdf = 0.5 * (1 + Erf.erf(x * INV_SQRT_2));
                double pdf = Math.exp(-0.5 * (double) x * x) * INV_SQRT_2PI;
                return (float) (cdf + x * pdf);
            }
            case GELU_TANH: {
                double t = geluTanhInner(x);
                double inner = SQRT_2_OVER_PI * (1 + 3 * GELU_CUBIC * x * x);
                return (float) (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * inner);
            }
            case SILU: {
                double s = sigmoid(x);
                return (float) (s * (1 + x * (1 - s)));
            }
            default:
                throw new AssertionError(kind);
        }
    }

    private static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    private static double geluTanhInner(double x) {
        return Transcendentals.tanh(SQRT_2_OVER_PI * (x + GELU_CUBIC * x * x * x));
    }
}
