package dev.kiln.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The scalar kernels' fused Linear-and-activation forward against its two steps. */
class ScalarKernelsTest {
    private final Kernels scalar = new ScalarKernels();

    @Test
    void fusedForwardIsLinearThenActivation() {
        int n = 5, in = 7, out = 3, wOff = 2, bOff = wOff + in * out, xOff = 1, zOff = 4, aOff = 3;
        SplittableRandom random = new SplittableRandom(3);
        float[] params = randoms(random, bOff + out);
        float[] x = randoms(random, xOff + n * in);
        Activation f = Activation.leakyRelu(0.2f);

        float[] expectedZ = new float[zOff + n * out];
        scalar.linearForward(null, n, in, out, x, xOff, params, wOff, bOff, expectedZ, zOff);
        float[] expectedA = new float[aOff + n * out];
        for (int i = 0; i < n * out; i++) {
            expectedA[aOff + i] = f.apply(expectedZ[zOff + i]);
        }

        float[] z = new float[expectedZ.length];
        float[] a = new float[expectedA.length];
        scalar.linearActivationForward(null, f, n, in, out, x, xOff, params, wOff, bOff, z, zOff, a, aOff);
        assertArrayEquals(expectedZ, z);
        assertArrayEquals(expectedA, a);

        float[] inPlace = new float[expectedZ.length];
        scalar.linearActivationForward(null, f, n, in, out, x, xOff, params, wOff, bOff, inPlace, zOff, inPlace, zOff);
        float[] expectedInPlace = new float[expectedZ.length];
        System.arraycopy(expectedA, aOff, expectedInPlace, zOff, n * out);
        assertArrayEquals(expectedInPlace, inPlace);
    }

    private static float[] randoms(SplittableRandom random, int length) {
        float[] values = new float[length];
        for (int i = 0; i < length; i++) {
            values[i] = (float) (random.nextDouble() * 4 - 2);
        }
        return values;
    }
}
