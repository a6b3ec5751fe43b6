package dev.kiln.kernel.simd;

import dev.kiln.kernel.Activation;
import dev.kiln.kernel.Kernels;
import dev.kiln.kernel.ScalarKernels;
import dev.kiln.thread.ThreadTeam;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Kernels on the Vector API ({@code jdk.incubator.vector}), multithreaded over a {@link ThreadTeam}.
 * Loaded reflectively by {@code KernelProvider} only when the module is present.
 *
 * <p>Matrix products run packed, register-blocked micro-kernels ({@link Gemm}); elementwise kernels
 * reproduce {@link dev.kiln.kernel.ScalarKernels} bit for bit ({@link Elementwise}). Work is split into
 * output ranges and never across a reduced dimension: each output is computed whole, in the same order,
 * by whichever thread takes its range, so every result is bitwise identical for every thread count.
 * The instance is stateless and shared: task objects and packing buffers live in each team
 * ({@link ThreadTeam#local}), so steady-state calls allocate nothing.
 *
 * <p>The vector width is {@link FloatVector#SPECIES_PREFERRED}; the system property
 * {@code kiln.vector.bits} (e.g. {@code 256}) selects a narrower one, for testing the other shapes.
 */
public final class VectorKernels implements Kernels {
    static final VectorSpecies<Float> SPECIES = chooseSpecies();

    private static final Object SCRATCH = new Object();
    private static final ScalarKernels SCALAR = new ScalarKernels();

    /** Per-team task objects; a team runs one kernel at a time, so one of each suffices. */
    private static final class Scratch {
        final Gemm gemm;
        final Elementwise.ActivationTask activation = new Elementwise.ActivationTask();
        final Elementwise.DropoutTask dropout = new Elementwise.DropoutTask();
        final Elementwise.ColumnSumTask columnSums = new Elementwise.ColumnSumTask();
        final Elementwise.SgdTask sgd = new Elementwise.SgdTask();
        final Elementwise.AdamTask adam = new Elementwise.AdamTask();
        final PanelForward panels = new PanelForward();
        /** Each part's ranges of the parameter array ({@link #ownParameterRows}), or null. */
        int[][] parameterSegments;
        int parameterCount = -1;

        /** The parts' ranges for an update of {@code len} parameters: the model's, if it has this many. */
        int[][] segments(int len) {
            return len == parameterCount ? parameterSegments : null;
        }

        Scratch(ThreadTeam team) {
            gemm = new Gemm(team);
        }
    }

    public VectorKernels() {}

    @Override
    public void warmUp(long weights) {
        JitWarmUp.forLargestLayer(this, weights);
    }

    private static VectorSpecies<Float> chooseSpecies() {
        String bits = System.getProperty("kiln.vector.bits");
        if (bits == null) {
            return FloatVector.SPECIES_PREFERRED;
        }
        return VectorSpecies.of(float.class, VectorShape.forBitSize(Integer.parseInt(bits)));
    }

    private static Scratch scratch(ThreadTeam team) {
        return team.local(SCRATCH, Scratch::new);
    }

    @Override
    public String name() {
        return "Vector API, " + SPECIES.vectorBitSize() + "-bit";
    }

    /**
     * HotSpot limits vectors to 256 bits on some AVX-512 processors (Intel Skylake-SP among them),
     * where {@code -XX:UseAVX=3} about doubles the matrix products' speed: says so when it applies.
     */
    @Override
    public Optional<String> speedHint() {
        if (SPECIES.vectorBitSize() >= 512 || System.getProperty("kiln.vector.bits") != null
                || !hasAvx512(cpuFlags())) {
            return Optional.empty();
        }
        return Optional.of("Kiln's kernels use " + SPECIES.vectorBitSize() + "-bit vectors, but this "
                + "processor has AVX-512: start the JVM with -XX:UseAVX=3 for 512-bit kernels");
    }

    /** Whether a {@code /proc/cpuinfo} text lists the AVX-512 foundation instructions. */
    static boolean hasAvx512(String cpuinfo) {
        for (String line : cpuinfo.split("\n")) {
            if (line.startsWith("flags")) {
                return Arrays.asList(line.substring(line.indexOf(':') + 1).trim().split("\\s+"))
                        .contains("avx512f");
            }
        }
        return false;
    }

    /** The processor description on Linux, or empty elsewhere. */
    private static String cpuFlags() {
        try {
            return Files.readString(Path.of("/proc/cpuinfo"));
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    /** Part {@code p} of the team gets, of every tensor, the rows {@link Gemm} gives part {@code p} of a split. */
    @Override
    public void ownParameterRows(ThreadTeam team, int[] layout) {
        int parts = team.size();
        Scratch scratch = scratch(team);
        scratch.parameterSegments = null;
        scratch.parameterCount = -1;
        if (parts < 2) {
            return;
        }
        int[][] ranges = new int[parts][];
        int[] counts = new int[parts];
        for (int p = 0; p < parts; p++) {
            ranges[p] = new int[2 * layout.length / 3];
        }
        int end = 0;
        for (int t = 0; t < layout.length; t += 3) {
            int offset = layout[t], rows = layout[t + 1], rowLength = layout[t + 2];
            if (offset != end) {
                return; // not packed back to back: keep the even split
            }
            int rowParts = Gemm.rowParts(rows, parts);
            for (int p = 0; p < rowParts; p++) {
                int from = offset + Gemm.firstRow(rows, rowParts, p) * rowLength;
                int to = offset + Gemm.firstRow(rows, rowParts, p + 1) * rowLength;
                if (to > from) {
                    ranges[p][counts[p]++] = from;
                    ranges[p][counts[p]++] = to;
                }
            }
            end = offset + rows * rowLength;
        }
        for (int p = 0; p < parts; p++) {
            ranges[p] = Arrays.copyOf(ranges[p], counts[p]);
        }
        scratch.parameterSegments = ranges;
        scratch.parameterCount = end;
    }

    @Override
    public void linearForward(ThreadTeam team, int n, int in, int out,
                              float[] x, int xOff, float[] params, int wOff, int bOff, float[] y, int yOff) {
        scratch(team).gemm.linearForward(team, n, in, out, x, xOff, params, wOff, params, bOff, y, yOff,
                null, null, 0);
    }

    @Override
    public void linearBackwardInput(ThreadTeam team, int n, int in, int out,
                                    float[] dy, int dyOff, float[] params, int wOff, float[] dx, int dxOff) {
        // dX = dY · W.
        scratch(team).gemm.multiply(team, n, in, out, dy, dyOff, out, false, params, wOff, in, false,
                dx, dxOff, in, null, -1);
    }

    @Override
    public void linearBackwardParams(ThreadTeam team, int n, int in, int out,
                                     float[] dy, int dyOff, float[] x, int xOff, float[] grads, int wOff, int bOff) {
        scratch(team).gemm.weightGradient(team, n, in, out, dy, dyOff, x, xOff, grads, wOff);
        if (bOff >= 0) {
            scratch(team).columnSums.sum(team, n, out, dy, dyOff, grads, bOff);
        }
    }

    @Override
    public void linearActivationForward(ThreadTeam team, Activation f, int n, int in, int out,
                                        float[] x, int xOff, float[] params, int wOff, int bOff,
                                        float[] z, int zOff, float[] a, int aOff) {
        // The bias is applied in the product's epilogue, tile by tile, and so is f when it is piecewise
        // linear; the others take a pass of their own over the outputs.
        Scratch scratch = scratch(team);
        boolean inEpilogue = Elementwise.isPiecewiseLinear(f);
        scratch.gemm.linearForward(team, n, in, out, x, xOff, params, wOff, params, bOff, z, zOff,
                inEpilogue ? f : null, a, aOff);
        if (!inEpilogue) {
            scratch.activation.forward(team, f, z, zOff, a, aOff, n * out);
        }
    }

    @Override
    public int panelRows() {
        return PanelForward.ROWS;
    }

    @Override
    public int panelsLength(int in, int out) {
        return PanelForward.length(in, out);
    }

    @Override
    public void packPanels(ThreadTeam team, int in, int out, float[] params, int wOff, float[] panels) {
        scratch(team).panels.pack(team, in, out, params, wOff, panels);
    }

    @Override
    public void linearForwardFromPanels(ThreadTeam team, Activation f, int n, int in, int out,
                                        float[] x, int xOff, float[] params, int wOff, int bOff, float[] panels,
                                        float[] z, int zOff, float[] a, int aOff) {
        Scratch scratch = scratch(team);
        boolean inEpilogue = f == null || Elementwise.isPiecewiseLinear(f);
        scratch.panels.forward(team, n, in, out, x, xOff, panels, params, bOff, z, zOff, inEpilogue ? f : null,
                a, aOff);
        if (!inEpilogue) {
            scratch.activation.forward(team, f, z, zOff, a, aOff, n * out);
        }
    }

    @Override
    public void linearActivationBackwardInput(ThreadTeam team, Activation f, int n, int in, int out,
                                              float[] dy, int dyOff, float[] params, int wOff,
                                              float[] z, float[] a, float[] dz) {
        // dZ = (dY · W) ⊙ f'(z): the derivative is applied in the product's epilogue, tile by tile, unless
        // it needs a transcendental function; then it takes a pass of its own.
        Scratch scratch = scratch(team);
        if (Elementwise.hasCheapDerivative(f)) {
            scratch.gemm.multiplyThroughDerivative(team, n, in, out, dy, dyOff, out, false,
                    params, wOff, in, false, dz, f, z, a);
        } else {
            scratch.gemm.multiply(team, n, in, out, dy, dyOff, out, false, params, wOff, in, false,
                    dz, 0, in, null, -1);
            scratch.activation.backward(team, f, z, a, dz, n * in);
        }
    }

    @Override
    public void activationForward(ThreadTeam team, Activation f, float[] z, float[] a, int len) {
        scratch(team).activation.forward(team, f, z, 0, a, 0, len);
    }

    @Override
    public void activationBackward(ThreadTeam team, Activation f, float[] z, float[] a, float[] grad, int len) {
        scratch(team).activation.backward(team, f, z, a, grad, len);
    }

    @Override
    public void sgdUpdate(ThreadTeam team, float[] params, float[] grads, float[] momentumBuffer, int len,
                          float lr, float momentum, float dampening, float weightDecay, boolean nesterov,
                          boolean firstStep) {
        Scratch scratch = scratch(team);
        scratch.sgd.update(team, params, grads, momentumBuffer, len, lr, momentum, dampening,
                weightDecay, nesterov, firstStep, scratch.segments(len));
    }

    @Override
    public void adamUpdate(ThreadTeam team, float[] params, float[] grads, float[] expAvg, float[] expAvgSq,
                           float[] maxExpAvgSq, int len, double lr, double beta1, double beta2, double eps,
                           double weightDecay, boolean decoupled, double stepSize, double bc2Sqrt) {
        Scratch scratch = scratch(team);
        scratch.adam.update(team, params, grads, expAvg, expAvgSq, maxExpAvgSq, len, lr, beta1,
                beta2, eps, weightDecay, decoupled, stepSize, bc2Sqrt, scratch.segments(len));
    }

    @Override
    public int firstNonFinite(float[] values, int count) {
        // The fast check first; only a bad input pays for finding where it is.
        return Elementwise.allFinite(values, 0, count) ? -1 : SCALAR.firstNonFinite(values, count);
    }

    @Override
    public void exp(float[] hi, float[] lo, float[] out, int off, int len) {
        TranscendentalActivations.exp(hi, lo, out, off, len);
    }

    @Override
    public float rowMax(float[] v, int at, int n) {
        return LossRows.rowMax(v, at, n);
    }

    @Override
    public void shiftedLogits(float[] logits, int at, int n, float max, float[] hi, float[] lo, int out) {
        LossRows.shiftedLogits(logits, at, n, max, hi, lo, out);
    }

    @Override
    public double sum(float[] v, int at, int n) {
        return LossRows.sum(v, at, n);
    }

    @Override
    public double weightedSum(double[] w, float[] v, int at, int n) {
        return LossRows.weightedSum(w, v, at, n);
    }

    @Override
    public void softmaxGradient(float[] exps, int at, int n, float scale, float offset, float[] w, float[] grad,
                                int gradAt) {
        LossRows.softmaxGradient(exps, at, n, scale, offset, w, grad, gradAt);
    }

    @Override
    public void dropoutApply(ThreadTeam team, float[] x, float[] noise, float[] y, int len) {
        scratch(team).dropout.apply(team, x, noise, y, len);
    }

    @Override
    public void mersenneTwist(int[] state) {
        MersenneTwist.twist(state);
    }

    @Override
    public void dropoutNoise(int[] words, int wordsAt, int count, int threshold, float kept,
                             float[] noise, int noiseAt) {
        int done = MersenneTwist.dropoutNoise(words, wordsAt, count, threshold, kept, noise, noiseAt);
        SCALAR.dropoutNoise(words, wordsAt + done, count - done, threshold, kept, noise, noiseAt + done);
    }

    @Override
    public void sgemm(ThreadTeam team, int m, int n, int k, float[] a, int aOff, int lda,
                      float[] b, int bOff, int ldb, float[] c, int cOff, int ldc) {
        scratch(team).gemm.multiply(team, m, n, k, a, aOff, lda, false, b, bOff, ldb, false,
                c, cOff, ldc, null, -1);
    }
}
