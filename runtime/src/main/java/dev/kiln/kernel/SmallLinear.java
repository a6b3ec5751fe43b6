package dev.kiln.kernel;

import java.util.Arrays;

/**
 * Linear-layer products as plain loops, for layers too small for packed SIMD kernels to pay off.
 * Generated models call these directly with their compile-time shapes: the methods are static and
 * short, so the JIT inlines them at the call site, where {@code in} and {@code out} are constants it
 * can unroll. They are also the {@link ScalarKernels}' products, the reference for the SIMD ones.
 */
public final class SmallLinear {
    private SmallLinear() {}

    /** {@code y[n][out] = x[n][in] · Wᵀ (+ b)}; {@code bOff < 0}: no bias. */
    public static void forward(int n, int in, int out, float[] x, int xOff, float[] params, int wOff, int bOff,
                               float[] y, int yOff) {
        for (int r = 0; r < n; r++) {
            int xRow = xOff + r * in;
            int yRow = yOff + r * out;
            for (int o = 0; o < out; o++) {
                int wRow = wOff + o * in;
                float sum = 0f;
                for (int i = 0; i < in; i++) {
                    sum += x[xRow + i] * params[wRow + i];
                }
                y[yRow + o] = bOff >= 0 ? sum + params[bOff + o] : sum;
            }
        }
    }

    /** {@code dx[n][in] = dy[n][out] · W}. */
    public static void backwardInput(int n, int in, int out, float[] dy, int dyOff, float[] params, int wOff,
                                     float[] dx, int dxOff) {
        for (int r = 0; r < n; r++) {
            int dxRow = dxOff + r * in;
            int dyRow = dyOff + r * out;
            Arrays.fill(dx, dxRow, dxRow + in, 0f);
            for (int o = 0; o < out; o++) {
                float g = dy[dyRow + o];
                int wRow = wOff + o * in;
                for (int i = 0; i < in; i++) {
                    dx[dxRow + i] += g * params[wRow + i];
                }
            }
        }
    }

    /** {@code dW[out][in] = dyᵀ · x} and {@code db = Σ_rows dy}, overwriting; {@code bOff < 0}: no bias. */
    public static void backwardParams(int n, int in, int out, float[] dy, int dyOff, float[] x, int xOff,
                                      float[] grads, int wOff, int bOff) {
        for (int o = 0; o < out; o++) {
            int gRow = wOff + o * in;
            Arrays.fill(grads, gRow, gRow + in, 0f);
            float biasSum = 0f;
            for (int r = 0; r < n; r++) {
                float g = dy[dyOff + r * out + o];
                biasSum += g;
                int xRow = xOff + r * in;
                for (int i = 0; i < in; i++) {
                    grads[gRow + i] += g * x[xRow + i];
                }
            }
            if (bOff >= 0) {
                grads[bOff + o] = biasSum;
            }
        }
    }
}
