package dev.kiln.data;

/**
 * The seeded permutations behind {@link Dataset#shuffle(long)}, {@link Dataset#split(double, long)}
 * and the epoch orders of {@link Batches}. The algorithm is fixed here, independent of the JDK's
 * random classes, so an order can be reproduced anywhere (a Python reference script included):
 *
 * <ol>
 *   <li>A SplitMix64 generator with state {@code s}: each draw adds {@code 0x9E3779B97F4A7C15} to
 *       {@code s} and returns {@link #mix64 mix64(s)}.
 *   <li>A uniform integer in {@code [0, bound)} by Lemire's multiply-and-reject: {@code m = (draw
 *       >>> 32) * bound} (64-bit, unsigned draw); while the low 32 bits of {@code m} are below
 *       {@code (2^32 - bound) mod bound}, draw again; the result is {@code m >>> 32}.
 *   <li>Fisher-Yates (Durstenfeld): start from the identity; for {@code i} from {@code n - 1} down to
 *       1, swap elements {@code i} and {@code j}, with {@code j} uniform in {@code [0, i]}.
 * </ol>
 *
 * <p>The order of epoch {@code e} under seed {@code s} is the permutation seeded with {@link
 * #epochSeed epochSeed(s, e)}, so any epoch's order is computed directly, without replaying the
 * epochs before it.
 */
public final class Shuffle {
    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;
    private static final long LOW_32_BITS = 0xFFFF_FFFFL;

    private Shuffle() {}

    /**
     * Fills {@code order} with the permutation of {@code 0 .. order.length - 1} given by {@code seed}.
     * Allocates nothing.
     */
    public static void permutation(long seed, int[] order) {
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        long state = seed;
        for (int i = order.length - 1; i > 0; i--) {
            long bound = i + 1;
            // Rejecting the lowest (2^32 mod bound) products makes every j equally likely.
            long threshold = ((1L << 32) - bound) % bound;
            long m;
            do {
                state += GOLDEN_GAMMA;
                m = (mix64(state) >>> 32) * bound;
            } while ((m & LOW_32_BITS) < threshold);
            int j = (int) (m >>> 32);
            int swap = order[i];
            order[i] = order[j];
            order[j] = swap;
        }
    }

    /** A new array holding the permutation of {@code 0 .. n - 1} given by {@code seed}. */
    public static int[] permutation(long seed, int n) {
        if (n < 0) {
            throw new IllegalArgumentException("n must not be negative, got " + n);
        }
        int[] order = new int[n];
        permutation(seed, order);
        return order;
    }

    /**
     * The permutation seed of epoch {@code epoch} under {@code seed}: draw number {@code epoch + 1}
     * of a SplitMix64 generator started at {@code seed}, that is {@code mix64(seed + (epoch + 1) *
     * 0x9E3779B97F4A7C15)}.
     */
    public static long epochSeed(long seed, long epoch) {
        return mix64(seed + (epoch + 1) * GOLDEN_GAMMA);
    }

    /**
     * The SplitMix64 output function (Stafford's variant 13): {@code z ^= z >>> 30; z *=
     * 0xBF58476D1CE4E5B9; z ^= z >>> 27; z *= 0x94D049BB133111EB; z ^= z >>> 31}.
     */
    public static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
