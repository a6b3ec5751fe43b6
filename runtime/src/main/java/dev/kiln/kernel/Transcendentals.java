package dev.kiln.kernel;

/**
 * Fast double-precision versions of the JDK's slow transcendental functions, for the activations.
 * {@link Math#tanh} is the strict fdlibm algorithm and costs about 75 ns here, several times what a
 * Tanh layer's matrix product spends on each output; {@link #tanh} costs 12–30 ns and is within 2⁻⁴⁶
 * relative of it, so Tanh computed in double and rounded to float is the same float but in rare near-ties.
 */
public final class Transcendentals {
    private Transcendentals() {}

    /** Below this magnitude {@link #tanh} sums its series; above, {@code 1 - 2/(e^2a + 1)} loses nothing. */
    static final double TANH_SERIES_LIMIT = 0.125;
    /**
     * tanh(a) = a + a³·Σ c_k a^2k: the coefficients for a³ to a¹⁵, highest first; below the limit the
     * rest of the series is under 2⁻⁵⁸ relative.
     */
    private static final double[] TANH_SERIES = {
        -929569.0 / 638512875, 21844.0 / 6081075, -1382.0 / 155925, 62.0 / 2835, -17.0 / 315, 2.0 / 15, -1.0 / 3,
    };

    /**
     * tanh(x): odd (−0 for −0), NaN for NaN; a series near 0 and {@code 1 - 2/(e^2|x| + 1)}
     * from {@link #TANH_SERIES_LIMIT} on, where the cancellation costs a few bits of 53.
     */
    public static double tanh(double x) {
        double a = Math.abs(x);
        double t;
        if (a < TANH_SERIES_LIMIT) {
            double a2 = a * a;
            double p = TANH_SERIES[0];
            for (int k = 1; k < TANH_SERIES.length; k++) {
                p = Math.fma(p, a2, TANH_SERIES[k]);
            }
            t = Math.fma(a * a2, p, a);
        } else {
            t = 1 - 2 / (Math.exp(2 * a) + 1);
        }
        return Math.copySign(t, x);
    }
}
