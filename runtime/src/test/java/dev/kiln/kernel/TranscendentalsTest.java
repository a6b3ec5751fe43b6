package dev.kiln.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The fast tanh behind the Tanh and tanh-GELU activations, against the JDK's strict (fdlibm) one. */
class TranscendentalsTest {

    @Test
    void tanhIsWithinTwoToTheMinus46OnBothSidesOfItsSeriesLimit() {
        SplittableRandom random = new SplittableRandom(2);
        for (int i = 0; i < 200_000; i++) {
            // Magnitudes from 1e-12 to 40, log-uniform, both signs.
            double x = Math.copySign(Math.pow(10, random.nextDouble(-12, Math.log10(40))), random.nextDouble() - 0.5);
            assertWithinRelative(StrictMath.tanh(x), Transcendentals.tanh(x), "tanh(" + x + ")");
        }
        double limit = Transcendentals.TANH_SERIES_LIMIT;
        for (double x : new double[] {Math.nextDown(limit), limit, Math.nextUp(limit), 1e-300, Double.MIN_VALUE}) {
            assertWithinRelative(StrictMath.tanh(x), Transcendentals.tanh(x), "tanh(" + x + ")");
        }
    }

    @Test
    void tanhGivesTheSameFloatsAsTheJdkOnEveryFloatNearZeroAndOnAGrid() {
        // Near-ties aside, rounding to float hides the difference: check a dense grid and the small floats.
        int differences = 0;
        for (float x = -20f; x <= 20f; x += 0.0009765625f) {
            differences += (float) Transcendentals.tanh(x) != (float) StrictMath.tanh(x) ? 1 : 0;
        }
        for (int bits = 0; bits < Float.floatToIntBits(0.2f); bits += 997) {
            float x = Float.intBitsToFloat(bits);
            differences += (float) Transcendentals.tanh(x) != (float) StrictMath.tanh(x) ? 1 : 0;
        }
        assertEquals(0, differences, "floats that differ from the JDK's tanh");
    }

    @Test
    void tanhIsOddAndSaturates() {
        assertEquals(Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits(Transcendentals.tanh(-0.0)));
        assertEquals(Double.doubleToRawLongBits(0.0), Double.doubleToRawLongBits(Transcendentals.tanh(0.0)));
        for (double x = 0; x < 30; x += 0.0371) {
            assertEquals(-Transcendentals.tanh(x), Transcendentals.tanh(-x), 0.0);
        }
        assertEquals(1.0, Transcendentals.tanh(400), 0.0);
        assertEquals(1.0, Transcendentals.tanh(Double.POSITIVE_INFINITY), 0.0);
        assertEquals(-1.0, Transcendentals.tanh(Double.NEGATIVE_INFINITY), 0.0);
        assertTrue(Double.isNaN(Transcendentals.tanh(Double.NaN)));
    }

    /**
     * Within 2⁻⁴⁶ relative: just past the series limit, {@code 1 - 2/(e^2a + 1)} loses a few bits to
     * cancellation, which leaves the float result (2⁻²⁴) untouched.
     */
    private static void assertWithinRelative(double expected, double actual, String what) {
        if (!(Math.abs(actual - expected) <= 0x1p-46 * Math.abs(expected))) {
            throw new AssertionError(what + " = " + actual + ", expected " + expected + " within 2^-46 relative");
        }
    }
}
