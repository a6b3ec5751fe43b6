package dev.kiln.random;

import dev.kiln.kernel.Kernels;
import dev.kiln.kernel.Mt19937;
import java.util.Arrays;

/**
 * MT19937, the generator behind PyTorch's CPU {@code torch.manual_seed}: the same seed gives the
 * same 32-bit outputs, which is what lets Kiln reproduce PyTorch's initialisation bit for bit. Its
 * whole state can be saved and restored, so training resumes with the same dropout masks.
 */
public final class MersenneTwister {
    private static final int N = Mt19937.N;

    private final int[] state = new int[N];
    private int index;

    /** Seeds as {@code torch.manual_seed(seed)}: {@code init_genrand(seed mod 2^32)}. */
    public MersenneTwister(long seed) {
        state[0] = (int) seed;
        for (int i = 1; i < N; i++) {
            int prev = state[i - 1];
            state[i] = 1812433253 * (prev ^ (prev >>> 30)) + i;
        }
        index = N;
    }

    /** The next 32 random bits, as an int. */
    public int nextInt() {
        if (index >= N) {
            twist();
        }
        return Mt19937.temper(state[index++]);
    }

    // Bulk access for Bernoulli's loops, which draw thousands of values per call: the state words
    // from position() on are the next outputs before tempering.

    /** How many outputs are ready from {@link #position()} (at least one: twists when none is left). */
    int available() {
        if (index >= N) {
            twist();
        }
        return N - index;
    }

    int[] words() {
        return state;
    }

    int position() {
        return index;
    }

    /** Marks the next {@code count} outputs (at most {@link #available()}) as drawn. */
    void skip(int count) {
        index += count;
    }

    /** The next N state words (a kernel: the SIMD one twists 16 words at a time). */
    private void twist() {
        Kernels.get().mersenneTwist(state);
        index = 0;
    }

    /** The state as text (625 hex words), for checkpoints. */
    public String saveState() {
        StringBuilder sb = new StringBuilder(N * 9 + 8);
        sb.append(Integer.toHexString(index));
        for (int word : state) {
            sb.append(' ').append(Integer.toHexString(word));
        }
        return sb.toString();
    }

    /**
     * Restores a state written by {@link #saveState()}.
     *
     * @throws IllegalArgumentException if the text is not such a state; the generator is unchanged
     */
    public void restoreState(String text) {
        String[] words = text.trim().split(" ");
        if (words.length != N + 1) {
            throw new IllegalArgumentException("generator state must have " + (N + 1) + " words, got "
                    + words.length);
        }
        int[] parsed = new int[N + 1];
        try {
            for (int i = 0; i < parsed.length; i++) {
                parsed[i] = Integer.parseUnsignedInt(words[i], 16);
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("generator state is not hexadecimal: " + e.getMessage());
        }
        if (parsed[0] < 0 || parsed[0] > N) {
            throw new IllegalArgumentException("generator state index out of range: " + parsed[0]);
        }
        index = parsed[0];
        System.arraycopy(parsed, 1, state, 0, N);
    }

    @Override
    public String toString() {
        return "MersenneTwister[index=" + index + ", state=" + Arrays.hashCode(state) + "]";
    }
}
