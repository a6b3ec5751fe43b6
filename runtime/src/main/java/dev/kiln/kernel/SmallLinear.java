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
        // Each output is one chain of fused multiply-adds over i from zero, then the bias, as in the SIMD
        // kernels. Four outputs at a time keep four chains in flight in registers instead of waiting on one.
        for (int r = 0; r < n; r++) {
            int xRow = xOff + r * in;
            int yRow = yOff + r * out;
            int o = 0;
            for (; o + 4 <= out; o += 4) {
                int w0 = wOff + o * in, w1 = w0 + in, w2 = w1 + in, w3 = w2 + in;
                float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f;
                for (int i = 0; i < in; i++) {
                    float xv = x[xRow + i];
                    s0 = Math.fma(xv, params[w0 + i], s0);
                    s1 = Math.fma(xv, params[w1 + i], s1);
                    s2 = Math.fma(xv, params[w2 + i], s2);
                    s3 = Math.fma(xv, params[w3 + i], s3);
                }
                y[yRow + o] = s0;
                y[yRow + o + 1] = s1;
                y[yRow + o + 2] = s2;
                y[yRow + o + 3] = s3;
            }
            for (; o < out; o++) {
                int w = wOff + o * in;
                float s = 0f;
                for (int i = 0; i < in; i++) {
                    s = Math.fma(x[xRow + i], params[w + i], s);
                }
                y[yRow + o] = s;
            }
            if (bOff >= 0) {
                for (o = 0; o < out; o++) {
                    y[yRow + o] += params[bOff + o];
                }
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
                    dx[dxRow + i] = Math.fma(g, params[wRow + i], dx[dxRow + i]);
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
                    grads[gRow + i] = Math.fma(g, x[xRow + i], grads[gRow + i]);
                }
            }
            if (bOff >= 0) {
                grads[bOff + o] = biasSum;
            }
        }
    }
}
