package dev.kiln.kernel.simd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.kernel.Activation;
import dev.kiln.kernel.Kernels;
import dev.kiln.kernel.Mt19937;
import dev.kiln.kernel.ScalarKernels;
import dev.kiln.thread.ThreadTeam;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Vector API kernels against a double-precision reference (matrix products) and against
 * {@link ScalarKernels} bit for bit (elementwise kernels), on awkward sizes and offsets, with teams of
 * 1, 2 and 3 threads whose results must be bitwise identical.
 */
class VectorKernelsTest {
    private static final Kernels VECTOR = new VectorKernels();
    private static final Kernels SCALAR = new ScalarKernels();
    private static ThreadTeam[] teams;

    @BeforeAll
    static void startTeams() {
        teams = new ThreadTeam[] {new ThreadTeam(1), new ThreadTeam(2), new ThreadTeam(3)};
    }

    @AfterAll
    static void closeTeams() {
        for (ThreadTeam team : teams) {
            team.close();
        }
    }

    /**
     * (rows, inner, columns): tails in every dimension, sizes below and above the threading threshold,
     * one of whole panels and blocks only, where the packing's vector loops run without scalar tails,
     * and depths beyond one block (KC) in every product of a Linear layer.
     */
    static Stream<Arguments> shapes() {
        return Stream.of(
                Arguments.of(1, 1, 1), Arguments.of(3, 15, 17), Arguments.of(17, 37, 3),
                Arguments.of(37, 255, 15), Arguments.of(7, 1000, 65), Arguments.of(100, 300, 37),
                Arguments.of(255, 17, 129), Arguments.of(61, 513, 200), Arguments.of(13, 0, 9),
                Arguments.of(48, 512, 128), Arguments.of(600, 20, 700));
    }

    @ParameterizedTest
    @MethodSource("shapes")
    void sgemmMatchesReferenceForEveryTeam(int m, int k, int n) {
        SplittableRandom random = new SplittableRandom(m * 31L + k * 7L + n);
        int lda = k + 3, ldb = n + 5, ldc = n + 2, aOff = 7, bOff = 11, cOff = 5;
        float[] a = randoms(random, aOff + m * lda);
        float[] b = randoms(random, bOff + Math.max(k, 1) * ldb);
        float[] first = null;
        for (ThreadTeam team : teams) {
            float[] c = randoms(new SplittableRandom(1), cOff + m * ldc + 4);
            float[] untouched = c.clone();
            VECTOR.sgemm(team, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double sum = 0, bound = 0;
                    for (int p = 0; p < k; p++) {
                        double term = (double) a[aOff + i * lda + p] * b[bOff + p * ldb + j];
                        sum += term;
                        bound += Math.abs(term);
                    }
                    assertClose(sum, bound, k, c[cOff + i * ldc + j], "C", i, j);
                }
            }
            assertOnlyWritten(untouched, c, cOff, m, n, ldc);
            first = assertSameAsFirst(first, c, team);
        }
    }

    /**
     * The products give the scalar kernels' bits: in both, every output is one chain of fused
     * multiply-adds in the order of the summed index, across depth blocks too, with the bias added last.
     */
    @ParameterizedTest
    @MethodSource("shapes")
    void productsMatchScalarKernelsBitwise(int batch, int in, int out) {
        SplittableRandom random = new SplittableRandom(batch * 37L + in * 11L + out);
        int wOff = 5, bOff = wOff + out * in + 1, xOff = 3, dyOff = 2;
        float[] params = randoms(random, bOff + out + 2);
        float[] x = randoms(random, xOff + batch * in);
        float[] dy = randoms(random, dyOff + batch * out);
        float[] y = new float[batch * out], dx = new float[batch * in], grads = new float[params.length];
        float[] c = new float[batch * out];
        SCALAR.linearForward(teams[0], batch, in, out, x, xOff, params, wOff, bOff, y, 0);
        SCALAR.linearBackwardInput(teams[0], batch, in, out, dy, dyOff, params, wOff, dx, 0);
        SCALAR.linearBackwardParams(teams[0], batch, in, out, dy, dyOff, x, xOff, grads, wOff, bOff);
        SCALAR.sgemm(teams[0], batch, out, in, x, xOff, in, params, wOff, out, c, 0, out);
        for (ThreadTeam team : teams) {
            String what = batch + "×" + in + "×" + out + ", " + team.size() + " threads";
            float[] vy = new float[y.length], vdx = new float[dx.length], vgrads = new float[grads.length];
            float[] vc = new float[c.length];
            VECTOR.linearForward(team, batch, in, out, x, xOff, params, wOff, bOff, vy, 0);
            VECTOR.linearBackwardInput(team, batch, in, out, dy, dyOff, params, wOff, vdx, 0);
            VECTOR.linearBackwardParams(team, batch, in, out, dy, dyOff, x, xOff, vgrads, wOff, bOff);
            VECTOR.sgemm(team, batch, out, in, x, xOff, in, params, wOff, out, vc, 0, out);
            assertBitwise(y, vy, "forward " + what);
            assertBitwise(dx, vdx, "input gradient " + what);
            assertBitwise(grads, vgrads, "parameter gradients " + what);
            assertBitwise(c, vc, "sgemm " + what);
        }
    }

    /**
     * An output's bits do not depend on the width of the tile that computed it: the narrow kernels of
     * a last panel (one or two vectors of columns) and the full kernel give the same sums.
     */
    @ParameterizedTest
    @ValueSource(ints = {1, 8, 16, 17, 32, 33, 48, 49, 64})
    void narrowLastPanelsGiveTheBitsOfFullPanels(int columns) {
        int m = 13, k = 700, wide = 128; // whole panels of 16 or 64 columns
        SplittableRandom random = new SplittableRandom(columns);
        float[] a = randoms(random, m * k);
        float[] b = randoms(random, k * wide);
        float[] full = new float[m * wide];
        VECTOR.sgemm(teams[0], m, wide, k, a, 0, k, b, 0, wide, full, 0, wide);
        float[] narrow = new float[m * columns];
        VECTOR.sgemm(teams[0], m, columns, k, a, 0, k, b, 0, wide, narrow, 0, columns);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < columns; j++) {
                assertEquals(Float.floatToIntBits(full[i * wide + j]), Float.floatToIntBits(narrow[i * columns + j]),
                        "C[" + i + "][" + j + "] of " + columns + " columns");
            }
        }
    }

    @ParameterizedTest
    @MethodSource("shapes")
    void linearFormsMatchReferenceForEveryTeam(int batch, int in, int out) {
        SplittableRandom random = new SplittableRandom(batch * 131L + in * 17L + out);
        int wOff = 9, bOff = wOff + out * in + 2, xOff = 4, dyOff = 6;
        float[] params = randoms(random, bOff + out + 3);
        float[] x = randoms(random, xOff + batch * in);
        float[] dy = randoms(random, dyOff + batch * out);
        float[][] firsts = new float[4][];
        for (ThreadTeam team : teams) {
            float[] y = randoms(new SplittableRandom(3), 3 + batch * out + 4);
            float[] yBefore = y.clone();
            float[] yNoBias = new float[3 + batch * out];
            float[] dx = new float[1 + batch * in];
            float[] grads = randoms(new SplittableRandom(2), params.length);
            float[] gradsBefore = grads.clone();
            VECTOR.linearForward(team, batch, in, out, x, xOff, params, wOff, bOff, y, 3);
            VECTOR.linearForward(team, batch, in, out, x, xOff, params, wOff, -1, yNoBias, 3);
            VECTOR.linearBackwardInput(team, batch, in, out, dy, dyOff, params, wOff, dx, 1);
            VECTOR.linearBackwardParams(team, batch, in, out, dy, dyOff, x, xOff, grads, wOff, bOff);
            for (int r = 0; r < batch; r++) {
                for (int o = 0; o < out; o++) {
                    double sum = 0, bound = 0;
                    for (int i = 0; i < in; i++) {
                        double term = (double) x[xOff + r * in + i] * params[wOff + o * in + i];
                        sum += term;
                        bound += Math.abs(term);
                    }
                    assertClose(sum, bound, in, yNoBias[3 + r * out + o], "Y", r, o);
                    float bias = params[bOff + o];
                    assertClose(sum + bias, bound + Math.abs(bias), in + 1, y[3 + r * out + o], "Y+b", r, o);
                }
                for (int i = 0; i < in; i++) {
                    double sum = 0, bound = 0;
                    for (int o = 0; o < out; o++) {
                        double term = (double) dy[dyOff + r * out + o] * params[wOff + o * in + i];
                        sum += term;
                        bound += Math.abs(term);
                    }
                    assertClose(sum, bound, out, dx[1 + r * in + i], "dX", r, i);
                }
            }
            for (int o = 0; o < out; o++) {
                for (int i = 0; i < in; i++) {
                    double sum = 0, bound = 0;
                    for (int r = 0; r < batch; r++) {
                        double term = (double) dy[dyOff + r * out + o] * x[xOff + r * in + i];
                        sum += term;
                        bound += Math.abs(term);
                    }
                    assertClose(sum, bound, batch, grads[wOff + o * in + i], "dW", o, i);
                }
                float scalarBiasSum = 0f;
                for (int r = 0; r < batch; r++) {
                    scalarBiasSum += dy[dyOff + r * out + o];
                }
                assertEquals(scalarBiasSum, grads[bOff + o], "db is summed in row order, as the scalar kernel");
            }
            for (int g = 0; g < grads.length; g++) {
                boolean weight = g >= wOff && g < wOff + out * in;
                boolean bias = g >= bOff && g < bOff + out;
                if (!weight && !bias) {
                    assertEquals(gradsBefore[g], grads[g], "gradient written outside dW, db at " + g);
                }
            }
            assertOnlyWritten(yBefore, y, 3, batch, out, out);
            firsts[0] = assertSameAsFirst(firsts[0], y, team);
            firsts[1] = assertSameAsFirst(firsts[1], yNoBias, team);
            firsts[2] = assertSameAsFirst(firsts[2], dx, team);
            firsts[3] = assertSameAsFirst(firsts[3], grads, team);
        }
    }

    @Test
    void forwardOfOneRowIsSplitOverTheThreadsThatOwnTheWeights() {
        // 784 → 256 at batch 1 is 202 752 multiply-adds, below PARALLEL_FMAS; on one thread the product
        // would read the other thread's weight rows. Each part packs the batch for itself, depth block by
        // depth block: part 1's buffer holding the last block of x shows that part 1 computed its rows.
        ThreadTeam pair = teams[1];
        Gemm gemm = new Gemm(pair);
        SplittableRandom random = new SplittableRandom(9);
        int in = 784, out = 256;
        float[] x = randoms(random, in), params = randoms(random, out * in + out);
        float[] z = new float[out], expected = new float[out];
        gemm.linearForward(pair, 1, in, out, x, 0, params, 0, params, out * in, z, 0, null, null, 0);
        float[] packed = gemm.packedB[1];
        int lastBlock = (in - 1) / Gemm.KC * Gemm.KC;
        for (int p = lastBlock; p < in; p++) {
            assertEquals(x[p], packed[LineAligned.OFFSET + (p - lastBlock) * Gemm.NR], "packed x[" + p + "]");
        }
        new Gemm(teams[0]).linearForward(teams[0], 1, in, out, x, 0, params, 0, params, out * in, expected, 0,
                null, null, 0);
        assertBitwise(expected, z, "z");
        assertEquals(1, Gemm.parts(2, out, 1, in, 0), "the same product without owned weights");
    }

    @Test
    void largeProductIsIdenticalForEveryTeam() {
        // Several packed blocks in every dimension (k > KC, n > NC, m > MC), split both ways.
        SplittableRandom random = new SplittableRandom(5);
        int[][] shapes = {{300, 600, 1100}, {1100, 300, 70}};
        for (int[] s : shapes) {
            int m = s[0], k = s[1], n = s[2];
            float[] a = randoms(random, m * k);
            float[] b = randoms(random, k * n);
            float[] first = null;
            for (ThreadTeam team : teams) {
                float[] c = new float[m * n];
                VECTOR.sgemm(team, m, n, k, a, 0, k, b, 0, n, c, 0, n);
                first = assertSameAsFirst(first, c, team);
            }
            for (int probe = 0; probe < 200; probe++) {
                int i = random.nextInt(m), j = random.nextInt(n);
                double sum = 0, bound = 0;
                for (int p = 0; p < k; p++) {
                    double term = (double) a[i * k + p] * b[p * n + j];
                    sum += term;
                    bound += Math.abs(term);
                }
                assertClose(sum, bound, k, first[i * n + j], "C", i, j);
            }
        }
    }

    @Test
    void sharedAndPerPartPackingAgreeBitwise() {
        // Multithreaded products pack B for each part, or pack B once for all parts and then hand
        // out chunks of the outputs; every strategy, split by rows or by columns, on every
        // layout, must give the single thread's bits.
        SplittableRandom random = new SplittableRandom(11);
        int[][] shapes = {{300, 600, 1100}, {1100, 300, 70}, {61, 513, 200}};
        for (int[] s : shapes) {
            int m = s[0], k = s[1], n = s[2];
            for (int layout = 0; layout < 4; layout++) {
                boolean aTransposed = (layout & 1) != 0, bTransposed = (layout & 2) != 0;
                int lda = (aTransposed ? m : k) + 1, ldb = (bTransposed ? k : n) + 3, ldc = n + 2;
                float[] a = randoms(random, (aTransposed ? k : m) * lda);
                float[] b = randoms(random, (bTransposed ? n : k) * ldb);
                float[] bias = randoms(random, n);
                float[] first = null;
                for (ThreadTeam team : teams) {
                    // {shared-packing limit, output chunks per thread}: per-part packing, then shared
                    // packing with one fixed share per thread, a few chunks each, and one panel per chunk.
                    for (long[] setting : new long[][] {{0, 1}, {Long.MAX_VALUE, 1}, {Long.MAX_VALUE, 3},
                            {Long.MAX_VALUE, 1000}}) {
                        float[] c = new float[m * ldc];
                        new Gemm(team, setting[0], (int) setting[1]).multiply(team, m, n, k, a, 0, lda, aTransposed,
                                b, 0, ldb, bTransposed, c, 0, ldc, bias, 0, Activation.RELU, c, 0);
                        String what = team.size() + " threads, " + (setting[0] == 0 ? "per-part packing"
                                : "shared packing, " + setting[1] + " chunks a thread")
                                + ", A" + (aTransposed ? "ᵀ" : "") + "·B" + (bTransposed ? "ᵀ" : "")
                                + " " + Arrays.toString(s);
                        if (first == null) {
                            first = c;
                        } else {
                            assertBitwise(first, c, what);
                        }
                    }
                }
            }
        }
    }

    static Stream<Activation> activations() {
        return Stream.of(Activation.IDENTITY, Activation.RELU, Activation.leakyRelu(0.01f),
                Activation.leakyRelu(-0.3f), Activation.TANH, Activation.SIGMOID, Activation.GELU,
                Activation.GELU_TANH, Activation.SILU);
    }

    /** Lengths with vector tails, and one above the threading threshold so the teams split it. */
    private static final int[] LENGTHS = {1, 3, 15, 17, 37, 255, 1000, 100_003};

    @ParameterizedTest
    @MethodSource("activations")
    void activationsMatchScalarKernelsBitwise(Activation f) {
        for (int len : LENGTHS) {
            float[] z = randoms(new SplittableRandom(len), len + 2);
            for (int i = 0; i < z.length; i++) {
                z[i] *= 6; // [-12, 12): both branches of tanh, GELU's far tails
            }
            withSpecialValues(z);
            float[] expectedA = new float[len + 2];
            SCALAR.activationForward(null, f, z, expectedA, len);
            float[] grad = randoms(new SplittableRandom(len + 1), len + 2);
            float[] expectedGrad = grad.clone();
            SCALAR.activationBackward(null, f, z, expectedA, expectedGrad, len);
            for (ThreadTeam team : teams) {
                float[] a = new float[len + 2];
                VECTOR.activationForward(team, f, z, a, len);
                assertBitwise(expectedA, a, f + " forward, len " + len + ", " + team.size() + " threads");
                float[] inPlace = z.clone();
                VECTOR.activationForward(team, f, inPlace, inPlace, len);
                float[] expectedInPlace = z.clone();
                System.arraycopy(expectedA, 0, expectedInPlace, 0, len);
                assertBitwise(expectedInPlace, inPlace, f + " in place");
                float[] g = grad.clone();
                VECTOR.activationBackward(team, f, z, a, g, len);
                assertBitwise(expectedGrad, g, f + " backward, len " + len + ", " + team.size() + " threads");
            }
        }
    }

    /**
     * (rows, inner, columns) for the fused layers: edge tiles, several depth blocks, and no depth at all, with
     * fewer outputs than rows and more (computed transposed).
     */
    private static final int[][] FUSED_SHAPES = {{1, 1, 1}, {17, 37, 3}, {61, 513, 200}, {255, 17, 129}, {13, 0, 9},
        {5, 0, 40}, {33, 70, 300}};

    /** (rows, inner, columns) for forward passes from panels: partial panels, whole ones, and no depth. */
    private static final int[][] PANEL_SHAPES = {{1, 1, 1}, {2, 37, 3}, {3, 17, 16}, {4, 513, 200}, {1, 0, 9},
        {2, 70, 300}, {1, 784, 65}, {4, 16, 64}, {8, 100, 33}};

    @ParameterizedTest
    @MethodSource("activations")
    void forwardFromPanelsIsTheFusedForwardBitwise(Activation f) {
        for (Activation activation : new Activation[] {f, null}) {
            for (int[] s : PANEL_SHAPES) {
                int rows = s[0], in = s[1], out = s[2];
                SplittableRandom random = new SplittableRandom(rows * 7L + in * 3L + out);
                int wOff = 3, bOff = wOff + out * in, xOff = 2, zOff = 5, aOff = 1;
                float[] params = withSpecialValues(randoms(random, bOff + out));
                float[] x = randoms(random, xOff + rows * in);
                for (ThreadTeam team : teams) {
                    for (int bias : new int[] {bOff, -1}) {
                        String what = activation + " " + Arrays.toString(s) + (bias < 0 ? " without" : " with")
                                + " bias, " + team.size() + " threads";
                        float[] expectedZ = new float[zOff + rows * out + 2], expectedA = new float[aOff + rows * out + 2];
                        float[] scalarZ = expectedZ.clone(), scalarA = expectedA.clone();
                        float[] z = expectedZ.clone(), a = expectedA.clone();
                        if (activation == null) {
                            VECTOR.linearForward(team, rows, in, out, x, xOff, params, wOff, bias, expectedZ, zOff);
                            SCALAR.linearForward(null, rows, in, out, x, xOff, params, wOff, bias, scalarZ, zOff);
                        } else {
                            VECTOR.linearActivationForward(team, activation, rows, in, out, x, xOff, params, wOff,
                                    bias, expectedZ, zOff, expectedA, aOff);
                            SCALAR.linearActivationForward(null, activation, rows, in, out, x, xOff, params, wOff,
                                    bias, scalarZ, zOff, scalarA, aOff);
                        }
                        float[] panels = new float[VECTOR.panelsLength(in, out)];
                        VECTOR.packPanels(team, in, out, params, wOff, panels);
                        VECTOR.linearForwardFromPanels(team, activation, rows, in, out, x, xOff, params, wOff, bias,
                                panels, z, zOff, a, aOff);
                        assertBitwise(expectedZ, z, "z, " + what);
                        assertBitwise(expectedA, a, "a, " + what);
                        assertBitwise(scalarZ, z, "z against the scalar kernels, " + what);
                        assertBitwise(scalarA, a, "a against the scalar kernels, " + what);
                    }
                }
            }
        }
        assertTrue(VECTOR.panelRows() >= 1, "the Vector API kernels use panels");
        assertEquals(0, SCALAR.panelRows(), "the scalar kernels read weights in place");
    }

    @ParameterizedTest
    @MethodSource("activations")
    void fusedForwardIsLinearThenActivationBitwise(Activation f) {
        for (int[] s : FUSED_SHAPES) {
            int batch = s[0], in = s[1], out = s[2];
            SplittableRandom random = new SplittableRandom(batch * 7L + in * 3L + out);
            int wOff = 3, bOff = wOff + out * in, xOff = 2, zOff = 5, aOff = 1;
            float[] params = withSpecialValues(randoms(random, bOff + out));
            float[] x = randoms(random, xOff + batch * in);
            for (ThreadTeam team : teams) {
                for (int bias : new int[] {bOff, -1}) {
                    String what = f + " " + Arrays.toString(s) + (bias < 0 ? " without" : " with") + " bias, "
                            + team.size() + " threads";
                    float[] expectedZ = new float[zOff + batch * out + 2];
                    VECTOR.linearForward(team, batch, in, out, x, xOff, params, wOff, bias, expectedZ, zOff);
                    float[] expectedA = new float[aOff + batch * out + 2];
                    float[] shiftedZ = Arrays.copyOfRange(expectedZ, zOff, zOff + batch * out);
                    float[] act = new float[batch * out];
                    SCALAR.activationForward(null, f, shiftedZ, act, batch * out);
                    System.arraycopy(act, 0, expectedA, aOff, act.length);

                    float[] z = new float[expectedZ.length];
                    float[] a = new float[expectedA.length];
                    VECTOR.linearActivationForward(team, f, batch, in, out, x, xOff, params, wOff, bias, z, zOff, a, aOff);
                    assertBitwise(expectedZ, z, what + ": z");
                    assertBitwise(expectedA, a, what + ": f(z)");

                    float[] inPlace = new float[expectedZ.length];
                    VECTOR.linearActivationForward(team, f, batch, in, out, x, xOff, params, wOff, bias,
                            inPlace, zOff, inPlace, zOff);
                    float[] expectedInPlace = new float[expectedZ.length];
                    System.arraycopy(act, 0, expectedInPlace, zOff, act.length);
                    assertBitwise(expectedInPlace, inPlace, what + ": f(z) in place");
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("activations")
    void fusedInputGradientIsProductThenDerivativeBitwise(Activation f) {
        // One shape on the calling thread only, one split across the team; both with edge tiles.
        int[][] shapes = {{37, 70, 45}, {61, 300, 200}};
        for (int[] shape : shapes) {
            int batch = shape[0], in = shape[1], out = shape[2], wOff = 4, dyOff = 3;
            SplittableRandom random = new SplittableRandom(batch + in + out);
            float[] params = randoms(random, wOff + out * in);
            float[] dy = randoms(random, dyOff + batch * out);
            float[] z = randoms(random, batch * in);
            float[] a = new float[z.length];
            SCALAR.activationForward(null, f, z, a, z.length);
            for (ThreadTeam team : teams) {
                float[] expected = new float[batch * in];
                VECTOR.linearBackwardInput(team, batch, in, out, dy, dyOff, params, wOff, expected, 0);
                VECTOR.activationBackward(team, f, z, a, expected, expected.length);
                float[] fused = new float[batch * in];
                VECTOR.linearActivationBackwardInput(team, f, batch, in, out, dy, dyOff, params, wOff, z, a, fused);
                assertBitwise(expected, fused, f + " " + Arrays.toString(shape) + ", " + team.size() + " threads");
            }
        }
    }

    @Test
    void mersenneTwistMatchesTheScalarRecurrence() {
        int[] vector = randomWords(19);
        int[] scalar = vector.clone();
        for (int round = 0; round < 50; round++) {
            SCALAR.mersenneTwist(scalar);
            VECTOR.mersenneTwist(vector);
            assertArrayEquals(scalar, vector, "twist " + round);
        }
    }

    @Test
    void dropoutNoiseMatchesTheScalarKernels() {
        int[] words = randomWords(23);
        for (int count : new int[] {0, 1, 7, 15, 16, 17, 33, 255, 623}) {
            for (int threshold : new int[] {0, 1, 1 << 23, 3355444, (1 << 24) - 1, 1 << 24}) {
                for (float kept : new float[] {1.25f, 2f, 0f}) {
                    float[] expected = new float[count + 3];
                    float[] actual = new float[count + 3];
                    SCALAR.dropoutNoise(words, 1, count, threshold, kept, expected, 2);
                    VECTOR.dropoutNoise(words, 1, count, threshold, kept, actual, 2);
                    assertBitwise(expected, actual, count + " values, threshold " + threshold + ", kept " + kept);
                }
            }
        }
    }

    @Test
    void firstNonFiniteFindsTheSameIndexAsTheScalarKernels() {
        for (int len : LENGTHS) {
            float[] values = randoms(new SplittableRandom(len), len + 1);
            values[0] = Float.MAX_VALUE;
            values[len] = Float.NaN; // beyond count: ignored
            assertEquals(-1, VECTOR.firstNonFinite(values, len), "all finite, len " + len);
            for (int at : new int[] {0, len / 2, len - 1}) {
                for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
                    float[] withBad = values.clone();
                    withBad[at] = bad;
                    withBad[len - 1 - at] = withBad[len - 1 - at] == bad ? bad : Float.NaN; // a second one
                    int expected = SCALAR.firstNonFinite(withBad, len);
                    assertEquals(Math.min(at, len - 1 - at), expected);
                    assertEquals(expected, VECTOR.firstNonFinite(withBad, len), bad + " at " + at + ", len " + len);
                }
            }
        }
    }

    @Test
    void expMatchesScalarKernelsBitwise() {
        for (int len : LENGTHS) {
            for (int off : new int[] {0, 5}) {
                SplittableRandom random = new SplittableRandom(len + off);
                float[] hi = new float[off + len + 1], lo = new float[hi.length];
                for (int i = 0; i < hi.length; i++) {
                    hi[i] = (float) random.nextDouble(-110, 95); // underflow, subnormals and overflow
                    lo[i] = Math.ulp(hi[i]) * (float) random.nextDouble(-0.5, 0.5);
                }
                withSpecialValues(hi);
                float[] expected = new float[hi.length], got = new float[hi.length];
                SCALAR.exp(hi, lo, expected, off, len);
                VECTOR.exp(hi, lo, got, off, len);
                assertBitwise(expected, got, "exp, len " + len + ", offset " + off);
            }
        }
    }

    /** Row lengths around the vector widths (8 doubles, 16 floats, 16 sum lanes) and a many-class row. */
    private static final int[] ROW_LENGTHS = {1, 3, 8, 10, 15, 16, 17, 31, 32, 37, 255, 1000, 1003};

    @Test
    void lossRowKernelsMatchScalarKernelsBitwise() {
        for (int n : ROW_LENGTHS) {
            for (int at : new int[] {0, 5}) {
                SplittableRandom random = new SplittableRandom(31L * n + at);
                float[] logits = randoms(random, at + n);
                for (int i = 0; i < logits.length; i++) {
                    logits[i] *= i % 5 == 0 ? 400 : 10; // some far below the maximum: the floor
                }
                double[] weights = new double[n];
                float[] floatWeights = new float[n];
                for (int i = 0; i < n; i++) {
                    floatWeights[i] = (float) (random.nextDouble() * 3);
                    weights[i] = floatWeights[i];
                }
                for (float[] v : List.of(logits, withSpecialValues(logits.clone()))) {
                    String what = "length " + n + ", offset " + at + ": ";
                    float max = SCALAR.rowMax(v, at, n);
                    assertEquals(Float.floatToIntBits(max), Float.floatToIntBits(VECTOR.rowMax(v, at, n)),
                            what + "max " + max);
                    float[] hi = new float[at + n + 2], lo = hi.clone(), vectorHi = hi.clone(), vectorLo = hi.clone();
                    SCALAR.shiftedLogits(v, at, n, max, hi, lo, 1);
                    VECTOR.shiftedLogits(v, at, n, max, vectorHi, vectorLo, 1);
                    assertBitwise(hi, vectorHi, what + "shifted logits");
                    assertBitwise(lo, vectorLo, what + "their rounding errors");
                    assertSameDouble(SCALAR.sum(v, at, n), VECTOR.sum(v, at, n), what + "sum");
                    assertSameDouble(SCALAR.weightedSum(weights, v, at, n), VECTOR.weightedSum(weights, v, at, n),
                            what + "weighted sum");
                    float[] grad = new float[at + n + 3], vectorGrad = grad.clone();
                    SCALAR.softmaxGradient(v, at, n, 0.37f, 0.0123f, floatWeights, grad, 2);
                    VECTOR.softmaxGradient(v, at, n, 0.37f, 0.0123f, floatWeights, vectorGrad, 2);
                    assertBitwise(grad, vectorGrad, what + "gradient");
                }
            }
        }
    }

    @Test
    void rowMaxIsPositiveZeroForAZeroMaximumInEveryOrder() {
        for (int n : ROW_LENGTHS) {
            float[] zeros = new float[n];
            for (int i = 0; i < n; i += 2) {
                zeros[i] = -0f;
            }
            for (Kernels kernels : List.of(SCALAR, VECTOR)) {
                assertEquals(0, Float.floatToRawIntBits(kernels.rowMax(zeros, 0, n)), kernels.name() + ", " + n);
            }
        }
    }

    /** The scalar kernels' sum order: sixteen lanes over whole blocks, paired, a balanced tree, then the rest. */
    @Test
    void sumsFollowTheDocumentedOrder() {
        float[] v = randoms(new SplittableRandom(5), 1003);
        double[] lanes = new double[16];
        int whole = v.length / 16 * 16;
        for (int i = 0; i < whole; i++) {
            lanes[i % 16] += v[i];
        }
        double[] paired = new double[8];
        for (int l = 0; l < 8; l++) {
            paired[l] = lanes[l] + lanes[l + 8];
        }
        double expected = ((paired[0] + paired[1]) + (paired[2] + paired[3]))
                + ((paired[4] + paired[5]) + (paired[6] + paired[7]));
        for (int i = whole; i < v.length; i++) {
            expected += v[i];
        }
        assertSameDouble(expected, SCALAR.sum(v, 0, v.length), "scalar sum");
        assertSameDouble(expected, VECTOR.sum(v, 0, v.length), "vector sum");
    }

    private static void assertSameDouble(double expected, double actual, String what) {
        if (Double.doubleToLongBits(expected) != Double.doubleToLongBits(actual)) {
            throw new AssertionError(what + ": expected " + expected + " but was " + actual);
        }
    }

    @Test
    void dropoutMatchesScalarKernelsBitwise() {
        for (int len : LENGTHS) {
            SplittableRandom random = new SplittableRandom(len);
            float[] x = randoms(random, len + 1);
            float[] noise = new float[len + 1];
            for (int i = 0; i < noise.length; i++) {
                noise[i] = random.nextInt(3) == 0 ? 0f : 1.25f;
            }
            float[] expected = x.clone();
            SCALAR.dropoutApply(null, x, noise, expected, len);
            for (ThreadTeam team : teams) {
                float[] got = x.clone();
                VECTOR.dropoutApply(team, got, noise, got, len);
                assertBitwise(expected, got, "dropout, len " + len);
            }
        }
    }

    @Test
    void sgdMatchesScalarKernelsBitwise() {
        float[][] settings = { // momentum, dampening, weight decay, nesterov
            {0f, 0f, 0f, 0}, {0f, 0f, 1e-2f, 0}, {0.9f, 0f, 0f, 0}, {0.9f, 0.1f, 5e-4f, 0}, {0.9f, 0f, 1e-3f, 1}};
        for (float[] s : settings) {
            for (int len : LENGTHS) {
                SplittableRandom random = new SplittableRandom(len);
                float[] params = randoms(random, len + 1);
                float[] grads = randoms(random, len + 1);
                float[] buffer = new float[len + 1];
                float[] expectedParams = params.clone();
                float[] expectedBuffer = buffer.clone();
                for (int step = 0; step < 3; step++) {
                    SCALAR.sgdUpdate(null, expectedParams, grads, s[0] != 0 ? expectedBuffer : null, len, 0.05f,
                            s[0], s[1], s[2], s[3] != 0, step == 0);
                }
                for (ThreadTeam team : teams) {
                    float[] p = params.clone();
                    float[] b = buffer.clone();
                    for (int step = 0; step < 3; step++) {
                        VECTOR.sgdUpdate(team, p, grads, s[0] != 0 ? b : null, len, 0.05f, s[0], s[1], s[2],
                                s[3] != 0, step == 0);
                    }
                    String what = "SGD " + Arrays.toString(s) + ", len " + len + ", " + team.size() + " threads";
                    assertBitwise(expectedParams, p, what);
                    assertBitwise(expectedBuffer, b, what + " momentum buffer");
                }
            }
        }
    }

    @Test
    void adamMatchesScalarKernelsBitwise() {
        // weight decay, decoupled (AdamW), amsgrad
        double[][] settings = {{0, 0, 0}, {1e-2, 0, 0}, {1e-2, 1, 0}, {0, 0, 1}, {1e-2, 1, 1}};
        double lr = 1e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
        for (double[] s : settings) {
            for (int len : LENGTHS) {
                SplittableRandom random = new SplittableRandom(len);
                float[] params = randoms(random, len + 1);
                float[][] grads = {randoms(random, len + 1), randoms(random, len + 1), randoms(random, len + 1)};
                float[][] expected = {params.clone(), new float[len + 1], new float[len + 1], new float[len + 1]};
                for (ThreadTeam team : teams) {
                    float[][] got = {params.clone(), new float[len + 1], new float[len + 1], new float[len + 1]};
                    for (int step = 1; step <= 3; step++) {
                        double stepSize = lr / (1 - Math.pow(beta1, step));
                        double bc2Sqrt = Math.sqrt(1 - Math.pow(beta2, step));
                        if (team == teams[0]) {
                            SCALAR.adamUpdate(null, expected[0], grads[step - 1], expected[1], expected[2],
                                    s[2] != 0 ? expected[3] : null, len, lr, beta1, beta2, eps, s[0], s[1] != 0,
                                    stepSize, bc2Sqrt);
                        }
                        VECTOR.adamUpdate(team, got[0], grads[step - 1], got[1], got[2], s[2] != 0 ? got[3] : null,
                                len, lr, beta1, beta2, eps, s[0], s[1] != 0, stepSize, bc2Sqrt);
                    }
                    for (int t = 0; t < 4; t++) {
                        assertBitwise(expected[t], got[t], "Adam " + Arrays.toString(s) + " state " + t + ", len "
                                + len + ", " + team.size() + " threads");
                    }
                }
            }
        }
    }

    /**
     * With a model's parameter rows registered on the team, each thread updates whole rows of every
     * tensor (ranges that are not the even slices): every value is still updated once, with the scalar
     * kernels' bits. Tensors from one row to hundreds, one narrower than a panel per thread.
     */
    @Test
    void optimizerUpdatesOverOwnedRowsMatchScalarKernelsBitwise() {
        int[] layout = { // offset, rows, row length
            0, 300, 250, 75_000, 300, 1, 75_300, 7, 300, 77_400, 7, 1, 77_407, 1, 1};
        int len = 77_408;
        SplittableRandom random = new SplittableRandom(11);
        float[] params = randoms(random, len);
        float[][] grads = {randoms(random, len), randoms(random, len), randoms(random, len)};
        float[] sgdParams = params.clone(), sgdBuffer = new float[len];
        float[][] adam = {params.clone(), new float[len], new float[len], new float[len]};
        for (int step = 1; step <= 3; step++) {
            SCALAR.sgdUpdate(null, sgdParams, grads[step - 1], sgdBuffer, len, 0.05f, 0.9f, 0f, 1e-3f, true, step == 1);
            SCALAR.adamUpdate(null, adam[0], grads[step - 1], adam[1], adam[2], adam[3], len, 1e-3, 0.9, 0.999, 1e-8,
                    1e-2, true, 1e-3 / (1 - Math.pow(0.9, step)), Math.sqrt(1 - Math.pow(0.999, step)));
        }
        for (int size : new int[] {2, 3}) {
            try (ThreadTeam team = new ThreadTeam(size)) {
                VECTOR.ownParameterRows(team, layout);
                float[] p = params.clone(), b = new float[len];
                float[][] got = {params.clone(), new float[len], new float[len], new float[len]};
                for (int step = 1; step <= 3; step++) {
                    VECTOR.sgdUpdate(team, p, grads[step - 1], b, len, 0.05f, 0.9f, 0f, 1e-3f, true, step == 1);
                    VECTOR.adamUpdate(team, got[0], grads[step - 1], got[1], got[2], got[3], len, 1e-3, 0.9, 0.999,
                            1e-8, 1e-2, true, 1e-3 / (1 - Math.pow(0.9, step)), Math.sqrt(1 - Math.pow(0.999, step)));
                }
                assertBitwise(sgdParams, p, "SGD over owned rows, " + size + " threads");
                assertBitwise(sgdBuffer, b, "SGD momentum over owned rows, " + size + " threads");
                for (int t = 0; t < 4; t++) {
                    assertBitwise(adam[t], got[t], "Adam state " + t + " over owned rows, " + size + " threads");
                }
            }
        }
    }

    @Test
    void recognisesAvx512InCpuFlags() {
        assertTrue(VectorKernels.hasAvx512("processor\t: 0\nflags\t\t: fpu sse avx2 avx512f avx512dq\nbugs\t\t:\n"));
        assertFalse(VectorKernels.hasAvx512("processor\t: 0\nflags\t\t: fpu sse avx2 avx512_vnni\n"));
        assertFalse(VectorKernels.hasAvx512("Features\t: fp asimd sve\n"));
        assertFalse(VectorKernels.hasAvx512(""));
    }

    @Test
    void suggestsWiderVectorsOnlyWhenTheseAreNarrower() {
        if (VectorKernels.SPECIES.vectorBitSize() >= 512) {
            assertTrue(VECTOR.speedHint().isEmpty(), "512-bit kernels need no hint");
        } else {
            VECTOR.speedHint().ifPresent(hint -> assertTrue(hint.contains("-XX:UseAVX=3"), hint));
        }
    }

    @Test
    void providerChoosesTheseKernelsWhenTheModuleIsPresent() {
        assertTrue(Kernels.get() instanceof VectorKernels, Kernels.get().name());
        assertEquals("Vector API, " + VectorKernels.SPECIES.vectorBitSize() + "-bit", VECTOR.name());
    }

    private static float[] randoms(SplittableRandom random, int length) {
        float[] values = new float[length];
        for (int i = 0; i < length; i++) {
            values[i] = (float) (random.nextDouble() * 4 - 2);
        }
        return values;
    }

    private static float[] withSpecialValues(float[] values) {
        float[] specials = {0f, -0f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 1e-30f, -25f, 25f};
        for (int i = 0; i < values.length; i += 7) {
            values[i] = specials[(i / 7) % specials.length];
        }
        return values;
    }

    /** Float sums of {@code terms} products are within {@code terms} roundings of the exact sum. */
    private static void assertClose(double exact, double absSum, int terms, float actual, String what, int i, int j) {
        double tolerance = (terms + 1) * 0x1p-24 * absSum + Float.MIN_NORMAL;
        if (!(Math.abs(actual - exact) <= tolerance)) {
            throw new AssertionError(what + "[" + i + "][" + j + "] = " + actual + ", expected " + exact
                    + " within " + tolerance);
        }
    }

    private static void assertOnlyWritten(float[] before, float[] after, int off, int rows, int cols, int ld) {
        for (int idx = 0; idx < before.length; idx++) {
            int rel = idx - off;
            boolean inside = rel >= 0 && rel / ld < rows && rel % ld < cols;
            if (!inside) {
                assertEquals(before[idx], after[idx], "written outside C at " + idx);
            }
        }
    }

    private static float[] assertSameAsFirst(float[] first, float[] result, ThreadTeam team) {
        if (first == null) {
            return result;
        }
        assertBitwise(first, result, team.size() + " threads differ from 1 thread");
        return first;
    }

    /** Bit for bit, except that any two NaNs are equal (a NaN's payload is not part of any contract). */
    /** A random MT19937 state. */
    private static int[] randomWords(long seed) {
        return new SplittableRandom(seed).ints(Mt19937.N).toArray();
    }

    private static void assertBitwise(float[] expected, float[] actual, String what) {
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToIntBits(expected[i]) != Float.floatToIntBits(actual[i])) {
                throw new AssertionError(what + ": at " + i + " expected " + expected[i] + " but was " + actual[i]);
            }
        }
        assertArrayEquals(expected, actual);
    }
}
