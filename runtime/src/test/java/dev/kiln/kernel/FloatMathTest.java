package dev.kiln.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The float transcendentals against double-precision references on dense grids, in ulps of the float
 * result (measured maxima: exp 0.99, tanh 1.23, sigmoid 2.01, Φ 5.5, φ 2.0), and at their special values.
 */
class FloatMathTest {

    @Test
    void expIsWithinOneUlpDownToTheSubnormals() {
        assertMaxUlps(FloatMath::exp, StrictMath::exp, -104f, 89f, 0.0007f, 1.0);
    }

    @Test
    void tanhIsWithinOneAndAHalfUlps() {
        assertMaxUlps(FloatMath::tanh, StrictMath::tanh, -12f, 12f, 0.00013f, 1.5);
    }

    @Test
    void sigmoidIsWithinTwoAndAHalfUlps() {
        assertMaxUlps(FloatMath::sigmoid, x -> 1 / (1 + StrictMath.exp(-x)), -88f, 30f, 0.00017f, 2.5);
    }

    @Test
    void normalCdfKeepsItsRelativeAccuracyFarIntoTheLowerTail() {
        assertMaxUlps(FloatMath::normalCdf, FloatMathTest::normalCdf, -13.5f, 8f, 0.00011f, 6.0);
    }

    @Test
    void normalPdfIsWithinTwoAndAHalfUlps() {
        assertMaxUlps(FloatMath::normalPdf, x -> Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI), -13.5f, 13.5f,
                0.00011f, 2.5);
    }

    /** Φ(x) = erfc(-x/√2)/2 from CPython's math.erfc, the C library's (an independent implementation). */
    @ParameterizedTest
    @CsvSource({
        "-12.0, 1.776482112077702e-33",
        "-8.0, 6.220960574271819e-16",
        "-4.0, 3.1671241833119965e-05",
        "-1.0, 0.15865525393145707",
        "0.0, 0.5",
        "0.5, 0.6914624612740131",
        "2.0, 0.9772498680518208",
    })
    void normalCdfAgreesWithTheCLibrary(float x, double expected) {
        assertEquals(expected, FloatMath.normalCdf(x), 6 * Math.ulp((float) expected));
    }

    @Test
    void specialValues() {
        assertEquals(1f, FloatMath.exp(-0f));
        assertEquals(Float.POSITIVE_INFINITY, FloatMath.exp(88.7229f));
        assertEquals(Float.POSITIVE_INFINITY, FloatMath.exp(Float.POSITIVE_INFINITY));
        assertEquals(0f, FloatMath.exp(Float.NEGATIVE_INFINITY));
        assertEquals(Float.MIN_VALUE, FloatMath.exp(-103.9f)); // the smallest subnormal, correctly rounded
        assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(FloatMath.tanh(-0f)));
        assertEquals(1e-40f, FloatMath.tanh(1e-40f));
        assertEquals(-1f, FloatMath.tanh(Float.NEGATIVE_INFINITY));
        assertEquals(1f, FloatMath.tanh(Float.POSITIVE_INFINITY));
        assertEquals(0f, FloatMath.sigmoid(Float.NEGATIVE_INFINITY));
        assertEquals(1f, FloatMath.sigmoid(Float.POSITIVE_INFINITY));
        assertEquals(0f, FloatMath.normalCdf(Float.NEGATIVE_INFINITY));
        assertEquals(1f, FloatMath.normalCdf(Float.POSITIVE_INFINITY));
        assertEquals(0f, FloatMath.normalPdf(Float.POSITIVE_INFINITY));
        for (float x = 0; x < 12; x += 0.0371f) {
            assertEquals(-FloatMath.tanh(x), FloatMath.tanh(-x), "tanh is odd at " + x);
        }
        for (DoubleUnaryOperator f : new DoubleUnaryOperator[] {x -> FloatMath.exp((float) x),
                x -> FloatMath.tanh((float) x), x -> FloatMath.sigmoid((float) x), x -> FloatMath.normalCdf((float) x),
                x -> FloatMath.normalPdf((float) x)}) {
            assertTrue(Double.isNaN(f.applyAsDouble(Double.NaN)));
        }
    }

    private interface FloatFunction {
        float apply(float x);
    }

    /** Every float from {@code from} to {@code to} in steps of about {@code step}, within {@code maxUlps}. */
    private static void assertMaxUlps(FloatFunction actual, DoubleUnaryOperator exact, float from, float to,
                                      float step, double maxUlps) {
        for (float x = from; x < to; x = Math.nextUp(x + step)) {
            double expected = exact.applyAsDouble(x);
            float got = actual.apply(x);
            // An ulp of the float result; below the normals, the subnormal spacing.
            double ulp = Math.ulp(Math.max(Math.abs((float) expected), Float.MIN_NORMAL));
            if (!(Math.abs(got - expected) <= maxUlps * ulp)) {
                throw new AssertionError("at " + x + ": expected " + expected + ", got " + got + " ("
                        + Math.abs(got - expected) / ulp + " ulps, at most " + maxUlps + ")");
            }
        }
    }

    /** Φ in double: erf's Taylor series for |x| ≤ 3, erfc's continued fraction beyond. */
    private static double normalCdf(double x) {
        double z = Math.abs(x) / Math.sqrt(2);
        if (z <= 3 / Math.sqrt(2)) {
            double z2 = z * z, term = z, sum = z;
            for (int k = 1; k < 200; k++) {
                term *= -z2 / k;
                sum += term / (2 * k + 1);
            }
            double erf = Math.copySign(sum * 2 / Math.sqrt(Math.PI), x);
            return 0.5 + 0.5 * erf;
        }
        double fraction = z;
        for (int k = 200; k >= 1; k--) {
            fraction = z + (k / 2.0) / fraction;
        }
        double erfc = Math.exp(-z * z) / Math.sqrt(Math.PI) / fraction;
        return x < 0 ? 0.5 * erfc : 1 - 0.5 * erfc;
    }
}
