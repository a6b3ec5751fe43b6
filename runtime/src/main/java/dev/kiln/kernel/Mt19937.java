package dev.kiln.kernel;

/**
 * MT19937's reference arithmetic, shared by {@link dev.kiln.random.MersenneTwister}, the scalar kernels
 * and the SIMD kernels (which repeat these operations lane by lane and use these constants).
 */
public final class Mt19937 {
    /** State words. */
    public static final int N = 624;
    /** Offset of the word each new word is xor-ed with. */
    public static final int M = 397;
    /** The twist matrix's last row, xor-ed in when the combined word is odd. */
    public static final int MATRIX_A = 0x9908b0df;
    /** The bit a new word takes from the word it replaces. */
    public static final int UPPER_MASK = 0x80000000;
    /** The bits a new word takes from the next word. */
    public static final int LOWER_MASK = 0x7fffffff;
    /** Tempering: {@code y ^= (y << 7) & TEMPER_B}. */
    public static final int TEMPER_B = 0x9d2c5680;
    /** Tempering: {@code y ^= (y << 15) & TEMPER_C}. */
    public static final int TEMPER_C = 0xefc60000;

    private Mt19937() {}

    /**
     * Words {@code [from, to)} of a twist in place: word {@code i} becomes
     * {@code state[(i + M) mod N] ^ mix(state[i], state[(i + 1) mod N])}, in order, so the words before
     * {@code from} must already be the new ones. Split where {@code i + M} wraps (no modulo, no branch
     * per word).
     */
    public static void twist(int[] state, int from, int to) {
        int i = from;
        for (int end = Math.min(to, N - M); i < end; i++) {
            state[i] = state[i + M] ^ mix(state[i], state[i + 1]);
        }
        for (int end = Math.min(to, N - 1); i < end; i++) {
            state[i] = state[i + M - N] ^ mix(state[i], state[i + 1]);
        }
        if (i < to) {
            state[N - 1] = state[M - 1] ^ mix(state[N - 1], state[0]);
        }
    }

    /** The output function, from a state word. */
    public static int temper(int y) {
        y ^= y >>> 11;
        y ^= (y << 7) & TEMPER_B;
        y ^= (y << 15) & TEMPER_C;
        return y ^ (y >>> 18);
    }

    /**
     * {@code y >>> 1}, xor MATRIX_A when y is odd, for y the upper bit of {@code upper} and the rest of
     * {@code lower}.
     */
    private static int mix(int upper, int lower) {
        int y = (upper & UPPER_MASK) | (lower & LOWER_MASK);
        return (y >>> 1) ^ (-(y & 1) & MATRIX_A);
    }
}
