package dev.kiln.random;

/** Dropout masks from the model's generator, so that a seeded run draws the same masks every time. */
public final class Bernoulli {
    private Bernoulli() {}

    /**
     * Sets {@code mask[i]} to 1 with probability {@code 1 - p} (keep) and 0 with probability {@code p},
     * for {@code i < len}, drawing one 24-bit uniform per value in order.
     */
    public static void keepMask(MersenneTwister rng, byte[] mask, int len, double p) {
        // u = k·2^-24 ≥ p  ⇔  k ≥ ⌈p·2^24⌉: compare integers, no float per value.
        int threshold = (int) Math.ceil(p * 0x1.0p24);
        for (int i = 0; i < len; i++) {
            mask[i] = (rng.nextInt() & 0xFFFFFF) >= threshold ? (byte) 1 : (byte) 0;
        }
    }
}
