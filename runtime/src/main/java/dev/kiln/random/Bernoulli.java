package dev.kiln.random;

import dev.kiln.kernel.Kernels;

/** Dropout noise from the model's generator, so that a seeded run draws the same masks every time. */
public final class Bernoulli {
    private Bernoulli() {}

    /**
     * The multiplier of every kept value under dropout with probability {@code p}, computed as PyTorch
     * does ({@code noise.div_(1 - p)}: a float division by {@code 1 - p} rounded to float); 0 for
     * {@code p ≥ 1}, where nothing is kept.
     */
    public static float keptScale(double p) {
        return p >= 1 ? 0f : 1f / (float) (1 - p);
    }

    /**
     * Fills {@code noise[0, len)} with dropout's multipliers, as PyTorch's {@code bernoulli_(1 - p)} then
     * {@code div_(1 - p)}: {@link #keptScale keptScale(p)} with probability {@code 1 - p}, else 0. Draws
     * one 24-bit uniform per value, in order. Multiplying by these (not selecting) keeps PyTorch's
     * {@code x · noise} semantics: a dropped -1 gives -0, a dropped NaN stays NaN.
     */
    public static void dropoutNoise(MersenneTwister rng, float[] noise, int len, double p) {
        float kept = keptScale(p);
        // u = k·2^-24 ≥ p  ⇔  k ≥ ⌈p·2^24⌉: compare integers, no float per value.
        int threshold = (int) Math.ceil(p * 0x1.0p24);
        // rng.nextInt() per value, drawn a run of state words at a time.
        Kernels kernels = Kernels.get();
        for (int i = 0; i < len; ) {
            int run = Math.min(rng.available(), len - i);
            kernels.dropoutNoise(rng.words(), rng.position(), run, threshold, kept, noise, i);
            rng.skip(run);
            i += run;
        }
    }
}
