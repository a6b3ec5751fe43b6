package dev.kiln.kernel;

/**
 * The transcendental functions behind the activations, in float arithmetic that a SIMD lane can do
 * exactly the same way: each is a fixed sequence of float additions, multiplications, fused
 * multiply-adds, divisions and bit operations, which the SIMD kernels
 * ({@code dev.kiln.kernel.simd.TranscendentalActivations}) repeat lane by lane, so scalar and vector
 * kernels agree bit for bit. This is also how PyTorch computes them on a CPU (SLEEF's vectorized float
 * functions), not in double; the errors are a few float ulps, far below what float32 training notices.
 *
 * <p>{@link #exp} is Cody–Waite range reduction with Cephes' degree-6 polynomial; {@link #tanh} is
 * Cephes' odd polynomial near 0 and {@code 1 - 2/(e^2|x| + 1)} beyond; {@link #normalCdf} uses the
 * Chebyshev-fitted erfc of Numerical Recipes ({@code erfc(z) = t·exp(-z² + P(t))}, fractional error
 * below 1.2e-7), with {@code z²} carried in two floats so that exact GELU keeps its relative accuracy
 * far into the negative tail (where PyTorch's short erf, 1 + erf(x) with an absolute error of 1.5e-7,
 * does not).
 */
public final class FloatMath {
    private FloatMath() {}

    // exp: e^x = 2^n · e^r, n = round(x / ln 2), r = x - n·ln 2 with ln 2 in two parts (the first has
    // 9 significant bits, so n·LN2_HI is exact).
    public static final float EXP_MIN = -104f, EXP_MAX = 89f;
    public static final float LOG2E = 1.44269504088896341f;
    public static final float LN2_HI = 0.693359375f, LN2_LO = -2.12194440e-4f;
    /** 1.5·2²³: adding it rounds a float of magnitude below 2²² to an integer, held in the low bits. */
    public static final float ROUNDING_SHIFT = 12582912f;
    public static final int ROUNDING_SHIFT_BITS = 0x4b400000;
    public static final float EXP_C6 = 1.9875691500e-4f, EXP_C5 = 1.3981999507e-3f, EXP_C4 = 8.3334519073e-3f,
            EXP_C3 = 4.1665795894e-2f, EXP_C2 = 1.6666665459e-1f, EXP_C1 = 5.0000001201e-1f;
    public static final int FLOAT_EXPONENT_BIAS = 127, FLOAT_MANTISSA_BITS = 23;

    // tanh: a + a·a²·P(a²) below TANH_POLY_LIMIT.
    public static final float TANH_POLY_LIMIT = 0.625f;
    public static final float TANH_C4 = -5.70498872745e-3f, TANH_C3 = 2.06390887954e-2f,
            TANH_C2 = -5.37397155531e-2f, TANH_C1 = 1.33314422036e-1f, TANH_C0 = -3.33332819422e-1f;
    public static final int SIGN_BIT = 0x80000000;

    // Φ(x) = erfc(-x/√2)/2, erfc(z) = t·exp(-z² + P(t)) with t = 1/(1 + z/2).
    public static final float HALF_INV_SQRT2 = 0.35355339059327376f;
    /** Beyond this |x| the tail is below every float; clamping keeps x² finite. */
    public static final float CDF_CLAMP = 20f;
    public static final float ERFC_C9 = 0.17087277f, ERFC_C8 = -0.82215223f, ERFC_C7 = 1.48851587f,
            ERFC_C6 = -1.13520398f, ERFC_C5 = 0.27886807f, ERFC_C4 = -0.18628806f, ERFC_C3 = 0.09678418f,
            ERFC_C2 = 0.37409196f, ERFC_C1 = 1.00002368f, ERFC_C0 = -1.26551223f;
    public static final float INV_SQRT_2PI = 0.3989422804014327f;

    /** e^x: within about one ulp; 0 below −104 (subnormals from −87.3), +∞ above 88.72, NaN for NaN. */
    public static float exp(float x) {
        return exp(x, 0f);
    }

    /**
     * e^(hi + lo) for {@code |lo|} of at most an ulp or so of {@code hi}: the reduction uses {@code hi} and
     * adds {@code lo} to the reduced argument, so an argument carried in two floats keeps its low bits.
     */
    public static float exp(float hi, float lo) {
        float x = Math.min(Math.max(hi, EXP_MIN), EXP_MAX);
        float shifted = Math.fma(x, LOG2E, ROUNDING_SHIFT);
        float n = shifted - ROUNDING_SHIFT;
        float r = Math.fma(n, -LN2_HI, x);
        r = Math.fma(n, -LN2_LO, r) + lo;
        float p = Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(EXP_C6, r, EXP_C5), r, EXP_C4), r, EXP_C3), r,
                EXP_C2), r, EXP_C1);
        float er = Math.fma(p, r * r, r) + 1f;
        // 2^n as two normal powers of two (n is in [-150, 129]), so subnormal results round once.
        int ni = Float.floatToRawIntBits(shifted) - ROUNDING_SHIFT_BITS;
        int half = ni >> 1;
        return er * powerOfTwo(half) * powerOfTwo(ni - half);
    }

    private static float powerOfTwo(int n) {
        return Float.intBitsToFloat((n + FLOAT_EXPONENT_BIAS) << FLOAT_MANTISSA_BITS);
    }

    /** tanh(x): odd (−0 for −0), ±1 from |x| ≈ 9, NaN for NaN; within about two ulps. */
    public static float tanh(float x) {
        float a = Math.abs(x);
        float t;
        if (a < TANH_POLY_LIMIT) {
            float a2 = a * a;
            float p = Math.fma(Math.fma(Math.fma(Math.fma(TANH_C4, a2, TANH_C3), a2, TANH_C2), a2, TANH_C1), a2,
                    TANH_C0);
            t = Math.fma(p * a2, a, a);
        } else {
            t = 1f - 2f / (exp(a + a) + 1f);
        }
        return Float.intBitsToFloat(Float.floatToRawIntBits(t) | (Float.floatToRawIntBits(x) & SIGN_BIT));
    }

    /** The logistic function {@code 1 / (1 + e^-x)}, as PyTorch's sigmoid. */
    public static float sigmoid(float x) {
        return 1f / (1f + exp(-x));
    }

    /**
     * Φ(x), the standard normal distribution function: 1 for large x, and for negative x within a few
     * ulps <em>relative</em> down to the smallest floats; NaN for NaN.
     */
    public static float normalCdf(float x) {
        float a = Math.min(Math.abs(x), CDF_CLAMP);
        float t = 1f / Math.fma(HALF_INV_SQRT2, a, 1f);
        float p = Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(
                ERFC_C9, t, ERFC_C8), t, ERFC_C7), t, ERFC_C6), t, ERFC_C5), t, ERFC_C4), t, ERFC_C3), t,
                ERFC_C2), t, ERFC_C1), t, ERFC_C0);
        // The exponent -a²/2 + P as hi + lo: sq = a·a has the rounding error sqError (exact by fma),
        // and adding P has the error (m - hi) + p (exact once |m| >= |P|, i.e. wherever it matters).
        float sq = a * a;
        float sqError = Math.fma(a, a, -sq);
        float m = -0.5f * sq;
        float hi = m + p;
        float lo = Math.fma(-0.5f, sqError, (m - hi) + p);
        float half = 0.5f * (t * exp(hi, lo));
        return x < 0f ? half : 1f - half;
    }

    /** φ(x) = e^(-x²/2)/√(2π), the standard normal density, with −x²/2 carried in two floats. */
    public static float normalPdf(float x) {
        float a = Math.min(Math.abs(x), CDF_CLAMP);
        float sq = a * a;
        float sqError = Math.fma(a, a, -sq);
        return exp(-0.5f * sq, -0.5f * sqError) * INV_SQRT_2PI;
    }
}
