package dev.kiln.random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class BernoulliTest {

    @Test
    void keepRateIsWithinStatisticalBounds() {
        int n = 200_000;
        byte[] mask = new byte[n];
        for (double p : new double[] {0.1, 0.5, 0.8}) {
            Bernoulli.keepMask(new MersenneTwister(3), mask, n, p);
            int kept = 0;
            for (byte b : mask) {
                kept += b;
            }
            double expected = n * (1 - p);
            double sigma = Math.sqrt(n * p * (1 - p));
            assertTrue(Math.abs(kept - expected) < 5 * sigma, "p=" + p + " kept " + kept);
        }
    }

    @Test
    void extremesAreExact() {
        byte[] mask = new byte[1000];
        Bernoulli.keepMask(new MersenneTwister(3), mask, mask.length, 0.0);
        for (byte b : mask) {
            assertEquals(1, b);
        }
        Bernoulli.keepMask(new MersenneTwister(3), mask, mask.length, 1.0);
        for (byte b : mask) {
            assertEquals(0, b);
        }
    }
}
