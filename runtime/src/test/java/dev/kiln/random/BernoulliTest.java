package dev.kiln.random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class BernoulliTest {

    @Test
    void keepRateIsWithinStatisticalBounds() {
        int n = 200_000;
        float[] noise = new float[n];
        for (double p : new double[] {0.1, 0.5, 0.8}) {
            Bernoulli.dropoutNoise(new MersenneTwister(3), noise, n, p);
            int kept = 0;
            for (float v : noise) {
                if (v != 0f) {
                    assertEquals(Bernoulli.keptScale(p), v);
                    kept++;
                }
            }
            double expected = n * (1 - p);
            double sigma = Math.sqrt(n * p * (1 - p));
            assertTrue(Math.abs(kept - expected) < 5 * sigma, "p=" + p + " kept " + kept);
        }
    }

    @Test
    void extremesAreExact() {
        float[] noise = new float[1000];
        Bernoulli.dropoutNoise(new MersenneTwister(3), noise, noise.length, 0.0);
        for (float v : noise) {
            assertEquals(1f, v);
        }
        Bernoulli.dropoutNoise(new MersenneTwister(3), noise, noise.length, 1.0);
        for (float v : noise) {
            assertEquals(0f, v);
        }
    }

    @Test
    void keptScaleIsPyTorchsFloatDivision() {
        // torch.ones(1).div_(1 - p).item() in PyTorch 1.13.1, for p = 0.1, 0.25, 0.3, 0.5.
        assertEquals((float) 1.1111111640930176, Bernoulli.keptScale(0.1));
        assertEquals((float) 1.3333333730697632, Bernoulli.keptScale(0.25));
        assertEquals((float) 1.4285714626312256, Bernoulli.keptScale(0.3));
        assertEquals(2f, Bernoulli.keptScale(0.5));
        assertEquals(0f, Bernoulli.keptScale(1.0));
    }
}
