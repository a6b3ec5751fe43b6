package dev.kiln.kernel;

import dev.kiln.thread.ThreadTeam;

/**
 * Plain-Java kernels: the fallback when the Vector API is not available, and the reference the SIMD
 * kernels are tested against. Single-threaded; the team is accepted and not used.
 */
public class ScalarKernels implements Kernels {

    @Override
    public String name() {
        return "scalar";
    }

    @Override
    public void linearForward(ThreadTeam team, int n, int in, int out,
                              float[] x, int xOff, float[] params, int wOff, int bOff, float[] y, int yOff) {
        SmallLinear.forward(n, in, out, x, xOff, params, wOff, bOff, y, yOff);
    }

    @Override
    public void linearBackwardInput(ThreadTeam team, int n, int in, int out,
                                    float[] dy, int dyOff, float[] params, int wOff, float[] dx, int dxOff) {
        SmallLinear.backwardInput(n, in, out, dy, dyOff, params, wOff, dx, dxOff);
    }

    @Override
    public void linearBackwardParams(ThreadTeam team, int n, int in, int out,
                                     float[] dy, int dyOff, float[] x, int xOff, float[] grads, int wOff, int bOff) {
        SmallLinear.backwardParams(n, in, out, dy, dyOff, x, xOff, grads, wOff, bOff);
    }

    @Override
    public void linearActivationForward(ThreadTeam team, Activation f, int n, int in, int out,
                                        float[] x, int xOff, float[] params, int wOff, int bOff,
                                        float[] z, int zOff, float[] a, int aOff) {
        SmallLinear.forward(n, in, out, x, xOff, params, wOff, bOff, z, zOff);
        for (int i = 0, len = n * out; i < len; i++) {
            a[aOff + i] = f.apply(z[zOff + i]);
        }
    }

    @Override
    public void activationForward(ThreadTeam team, Activation f, float[] z, float[] a, int len) {
        for (int i = 0; i < len; i++) {
            a[i] = f.apply(z[i]);
        }
    }

    @Override
    public void activationBackward(ThreadTeam team, Activation f, float[] z, float[] a, float[] grad, int len) {
        for (int i = 0; i < len; i++) {
            grad[i] *= f.derivative(z[i], a[i]);
        }
    }

    @Override
    public void sgdUpdate(ThreadTeam team, float[] params, float[] grads, float[] momentumBuffer, int len,
                          float lr, float momentum, float dampening, float weightDecay, boolean nesterov,
                          boolean firstStep) {
        float keep = 1f - dampening;
        for (int i = 0; i < len; i++) {
            float g = grads[i];
            if (weightDecay != 0f) {
                g = g + weightDecay * params[i];
            }
            if (momentum != 0f) {
                float b = firstStep ? g : momentum * momentumBuffer[i] + keep * g;
                momentumBuffer[i] = b;
                g = nesterov ? g + momentum * b : b;
            }
            params[i] = params[i] - lr * g;
        }
    }

    @Override
    public void adamUpdate(ThreadTeam team, float[] params, float[] grads, float[] expAvg, float[] expAvgSq,
                           float[] maxExpAvgSq, int len, double lr, double beta1, double beta2, double eps,
                           double weightDecay, boolean decoupled, double stepSize, double bc2Sqrt) {
        float b1 = (float) beta1;
        float oneMinusB1 = (float) (1 - beta1);
        float b2 = (float) beta2;
        float oneMinusB2 = (float) (1 - beta2);
        float wd = (float) weightDecay;
        float shrink = (float) (1 - lr * weightDecay);
        float epsF = (float) eps;
        float negStep = (float) -stepSize;
        float bc2 = (float) bc2Sqrt;
        for (int i = 0; i < len; i++) {
            float p = params[i];
            float g = grads[i];
            if (weightDecay != 0) {
                if (decoupled) {
                    p = p * shrink;
                } else {
                    g = g + wd * p;
                }
            }
            float m = expAvg[i] * b1 + oneMinusB1 * g;
            float v = expAvgSq[i] * b2 + oneMinusB2 * g * g;
            expAvg[i] = m;
            expAvgSq[i] = v;
            if (maxExpAvgSq != null) {
                v = Math.max(maxExpAvgSq[i], v);
                maxExpAvgSq[i] = v;
            }
            float denom = (float) Math.sqrt(v) / bc2 + epsF;
            params[i] = p + negStep * (m / denom);
        }
    }

    @Override
    public int firstNonFinite(float[] values, int count) {
        for (int i = 0; i < count; i++) {
            float v = values[i];
            if (v - v != 0f) { // NaN or ±Infinity, in one comparison
                return i;
            }
        }
        return -1;
    }

    @Override
    public void exp(float[] hi, float[] lo, float[] out, int off, int len) {
        for (int i = off; i < off + len; i++) {
            out[i] = FloatMath.exp(hi[i], lo[i]);
        }
    }

    @Override
    public void dropoutApply(ThreadTeam team, float[] x, float[] noise, float[] y, int len) {
        for (int i = 0; i < len; i++) {
            y[i] = x[i] * noise[i];
        }
    }

    @Override
    public void mersenneTwist(int[] state) {
        Mt19937.twist(state, 0, Mt19937.N);
    }

    @Override
    public void dropoutNoise(int[] words, int wordsAt, int count, int threshold, float kept,
                             float[] noise, int noiseAt) {
        for (int j = 0; j < count; j++) {
            // 1 when the 24-bit draw is at least the threshold (the sign bit of threshold - 1 - draw),
            // else 0: no branch.
            int draw = Mt19937.temper(words[wordsAt + j]) & 0xFFFFFF;
            noise[noiseAt + j] = kept * (float) ((threshold - 1 - draw) >>> 31);
        }
    }

    @Override
    public void sgemm(ThreadTeam team, int m, int n, int k, float[] a, int aOff, int lda,
                      float[] b, int bOff, int ldb, float[] c, int cOff, int ldc) {
        for (int i = 0; i < m; i++) {
            int cRow = cOff + i * ldc;
            java.util.Arrays.fill(c, cRow, cRow + n, 0f);
            for (int p = 0; p < k; p++) {
                float av = a[aOff + i * lda + p];
                int bRow = bOff + p * ldb;
                for (int j = 0; j < n; j++) {
                    c[cRow + j] = Math.fma(av, b[bRow + j], c[cRow + j]);
                }
            }
        }
    }
}
