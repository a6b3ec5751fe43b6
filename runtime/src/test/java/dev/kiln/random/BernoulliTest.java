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

    /** One nextInt per value, in order, also across the generator's 624-word blocks and across calls. */
    @Test
    void drawsOneOutputPerValueInOrder() {
        MersenneTwister bulk = new MersenneTwister(3), single = new MersenneTwister(3);
        double p = 0.3;
        int threshold = (int) Math.ceil(p * 0x1.0p24);
        for (int len : new int[] {1, 622, 624, 625, 1, 2000, 3}) {
            float[] noise = new float[len];
            Bernoulli.dropoutNoise(bulk, noise, len, p);
            for (int i = 0; i < len; i++) {
                float expected = (single.nextInt() & 0xFFFFFF) >= threshold ? Bernoulli.keptScale(p) : 0f;
                assertEquals(expected, noise[i], "value " + i + " of " + len);
            }
        }
        assertEquals(single.nextInt(), bulk.nextInt());
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
