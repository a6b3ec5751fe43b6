package dev.kiln.kernel;

/**
 * The error function for GELU (Java has no {@code Math.erf}), fast and with a small <em>relative</em>
 * error in the tail. It evaluates erfc with the Chebyshev-fitted form of Numerical Recipes
 * ({@code erfc(z) = t·exp(-z² + P(t))}, {@code t = 1/(1 + z/2)}), whose fractional error is below
 * 1.2e-7 for every z ≥ 0: about one float ulp, one exp per call. Exact GELU is {@code x·Φ(x)}, and for
 * negative x, Φ is a small erfc value: an approximation with a small absolute error (the short
 * Abramowitz–Stegun formula) would be wrong there in every digit; this one keeps float accuracy.
 */
public final class Erf {
    private Erf() {}

    private static final double SERIES_LIMIT = 0.5;
    private static final double TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);
    private static final double[] SERIES = seriesCoefficients(12);

    /** erf(x): odd, exact to double rounding for |x| < 0.5, absolute error below 1.2e-7 beyond. */
    public static double erf(double x) {
        if (Math.abs(x) < SERIES_LIMIT) {
            return series(x);
        }
        double magnitude = 1 - tail(Math.abs(x));
        return x < 0 ? -magnitude : magnitude;
    }

    /** erfc(x) = 1 - erf(x), with relative error below 1.2e-7 for x ≥ 0 (and absolute below 1.2e-7 for x < 0). */
    public static double erfc(double x) {
        if (Math.abs(x) < SERIES_LIMIT) {
            return 1 - series(x);
        }
        return x >= 0 ? tail(x) : 2 - tail(-x);
    }

    /** erf(x) = 2/√π Σ (-1)^k x^(2k+1) / (k! (2k+1)); with x² < 1/4, 12 terms reach double precision. */
    private static double series(double x) {
        double x2 = x * x;
        double p = SERIES[0];
        for (int k = 1; k < SERIES.length; k++) {
            p = Math.fma(p, x2, SERIES[k]);
        }
        return TWO_OVER_SQRT_PI * (x * p);
    }

    /** The series' coefficients (-1)^k / (k! (2k+1)), highest k first, for Horner's rule (no divisions per call). */
    private static double[] seriesCoefficients(int terms) {
        double[] c = new double[terms + 1];
        double factorial = 1;
        for (int k = 0; k <= terms; k++) {
            factorial *= Math.max(1, k);
            c[terms - k] = (k % 2 == 0 ? 1 : -1) / (factorial * (2 * k + 1));
        }
        return c;
    }

    /** erfc(z) for z ≥ 0.5 (Numerical Recipes' fit). */
    private static double tail(double z) {
        double t = 1 / (1 + 0.5 * z);
        double poly = -1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806
                + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
        return t * Math.exp(-z * z + poly);
    }
}
