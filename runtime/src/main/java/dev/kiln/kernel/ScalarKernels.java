package dev.kiln.kernel;

import dev.kiln.thread.ThreadTeam;

/**
 * Plain-Java kernels: the fallback when the Vector API is not available, and the reference the SIMD
 * kernels are tested against. Single-threaded; the team is accepted and not used.
 */
public class ScalarKernels implements Kernels {
    /** The partial sums of {@link #sum} and {@link #weightedSum} (two vectors of eight doubles in SIMD). */
    public static final int SUM_LANES = 16;

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
    public float rowMax(float[] v, int at, int n) {
        // Four running maxima, each over every fourth value: four chains of comparisons in flight.
        float m0 = Float.NEGATIVE_INFINITY, m1 = m0, m2 = m0, m3 = m0;
        int i = 0;
        for (; i + 3 < n; i += 4) {
            float v0 = v[at + i], v1 = v[at + i + 1], v2 = v[at + i + 2], v3 = v[at + i + 3];
            m0 = v0 > m0 ? v0 : m0;
            m1 = v1 > m1 ? v1 : m1;
            m2 = v2 > m2 ? v2 : m2;
            m3 = v3 > m3 ? v3 : m3;
        }
        for (; i < n; i++) {
            float x = v[at + i];
            m0 = x > m0 ? x : m0;
        }
        m0 = m1 > m0 ? m1 : m0;
        m2 = m3 > m2 ? m3 : m2;
        return (m2 > m0 ? m2 : m0) + 0f;
    }

    @Override
    public void shiftedLogits(float[] logits, int at, int n, float max, float[] hi, float[] lo, int out) {
        float floor = max - 200f;
        for (int i = 0; i < n; i++) {
            float logit = logits[at + i];
            float x = logit < floor ? floor : logit;
            float difference = x - max;
            float maxPart = difference - x;
            hi[out + i] = difference;
            lo[out + i] = (x - (difference - maxPart)) - (max + maxPart);
        }
    }

    @Override
    public double sum(float[] v, int at, int n) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
        double s8 = 0, s9 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0, s14 = 0, s15 = 0;
        int i = 0;
        for (int b = at; i + SUM_LANES <= n; i += SUM_LANES, b += SUM_LANES) {
            s0 += v[b];
            s1 += v[b + 1];
            s2 += v[b + 2];
            s3 += v[b + 3];
            s4 += v[b + 4];
            s5 += v[b + 5];
            s6 += v[b + 6];
            s7 += v[b + 7];
            s8 += v[b + 8];
            s9 += v[b + 9];
            s10 += v[b + 10];
            s11 += v[b + 11];
            s12 += v[b + 12];
            s13 += v[b + 13];
            s14 += v[b + 14];
            s15 += v[b + 15];
        }
        double total = combineLanes(s0 + s8, s1 + s9, s2 + s10, s3 + s11, s4 + s12, s5 + s13, s6 + s14, s7 + s15);
        for (; i < n; i++) {
            total += v[at + i];
        }
        return total;
    }

    @Override
    public double weightedSum(double[] w, float[] v, int at, int n) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
        double s8 = 0, s9 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0, s14 = 0, s15 = 0;
        int i = 0;
        for (int b = at; i + SUM_LANES <= n; i += SUM_LANES, b += SUM_LANES) {
            s0 += w[i] * v[b];
            s1 += w[i + 1] * v[b + 1];
            s2 += w[i + 2] * v[b + 2];
            s3 += w[i + 3] * v[b + 3];
            s4 += w[i + 4] * v[b + 4];
            s5 += w[i + 5] * v[b + 5];
            s6 += w[i + 6] * v[b + 6];
            s7 += w[i + 7] * v[b + 7];
            s8 += w[i + 8] * v[b + 8];
            s9 += w[i + 9] * v[b + 9];
            s10 += w[i + 10] * v[b + 10];
            s11 += w[i + 11] * v[b + 11];
            s12 += w[i + 12] * v[b + 12];
            s13 += w[i + 13] * v[b + 13];
            s14 += w[i + 14] * v[b + 14];
            s15 += w[i + 15] * v[b + 15];
        }
        double total = combineLanes(s0 + s8, s1 + s9, s2 + s10, s3 + s11, s4 + s12, s5 + s13, s6 + s14, s7 + s15);
        for (; i < n; i++) {
            total += w[i] * v[at + i];
        }
        return total;
    }

    /** The sixteen lanes of {@link #sum}, paired (lane l with lane l + 8), then added as a balanced tree. */
    public static double combineLanes(double t0, double t1, double t2, double t3, double t4, double t5, double t6,
                                      double t7) {
        return ((t0 + t1) + (t2 + t3)) + ((t4 + t5) + (t6 + t7));
    }

    @Override
    public void softmaxGradient(float[] exps, int at, int n, float scale, float offset, float[] w, float[] grad,
                                int gradAt) {
        for (int i = 0; i < n; i++) {
            grad[gradAt + i] = scale * exps[at + i] - offset * w[i];
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
