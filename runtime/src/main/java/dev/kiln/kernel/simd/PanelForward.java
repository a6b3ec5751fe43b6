package dev.kiln.kernel.simd;

import dev.kiln.kernel.Activation;
import dev.kiln.thread.ThreadTeam;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * A Linear layer's forward pass for a few rows (predicting single samples) from a copy of its weight laid
 * out in panels: panel {@code q} holds rows {@code [q·VLEN, (q+1)·VLEN)} of {@code W[out][in]} transposed,
 * {@code panels[q·in·VLEN + p·VLEN + r] = W[q·VLEN + r][p]}, zero past the last row.
 *
 * <p>A product reads {@code W} in place, so for one row of x its vectors hold batch rows: one lane in
 * {@code VLEN} does useful work, and a 784 → 256 forward took 63 µs. From panels the lanes are
 * {@code VLEN} outputs, loaded with one instruction, and {@link #PANELS} of them are independent chains:
 * 7.5 µs (Zen 5, 512-bit vectors). Each output is still {@code fma(W[j][p], x[p], sum)} for p = 0, 1, …
 * from a sum of 0, then the bias, then the activation: the products' bits exactly. The copy costs a
 * transposition of the weight, so it pays when the weights stay the same from one pass to the next, as
 * they do between predictions; {@link dev.kiln.kernel.InferenceWeights} keeps it up to date.
 *
 * <p>One instance is a reusable team task; each part computes (or packs) a contiguous range of panels.
 */
final class PanelForward implements ThreadTeam.Task {
    private static final VectorSpecies<Float> SPECIES = VectorKernels.SPECIES;
    private static final int VLEN = SPECIES.length();
    /** Panels one micro-kernel computes: four chains of multiply-adds in flight hide their latency. */
    static final int PANELS = 4;
    /**
     * Rows of x up to which a pass from panels beats the product: each row reads all the panels, while
     * the product's one-vector kernel computes up to {@code VLEN} rows for the same reads. 784 → 256 with
     * bias and ReLU, µs from panels / as a product: 1 thread, 1 row 7–9 / 58–68, 4 rows 28 / 57–64, 8 rows
     * 56–57 / 60–61, 10 rows 84–88 / 62–78; 2 threads, 8 rows 28–34 / 41–50.
     */
    static final int ROWS = 8;
    /** Below this many vector multiply-adds (or panel elements to pack, in vectors) a pass stays on the calling thread. */
    static final long PARALLEL_VECTOR_FMAS = 1 << 15;

    private enum Phase { PACK, FORWARD }

    private Phase phase;
    private int n, in, out;
    private float[] x, w, panels, bias, z, act;
    private int xOff, wOff, biasOff, zOff, actOff;
    private Activation activation;
    /** The last, partial panel's sums: only the part computing the last panel writes it. */
    private final float[] lastPanel = new float[VLEN];

    /** Floats in the panels of a weight {@code [out][in]}: whole panels of {@code VLEN} rows. */
    static int length(int in, int out) {
        return Math.multiplyExact(panelCount(out) * VLEN, in);
    }

    private static int panelCount(int out) {
        return (out + VLEN - 1) / VLEN;
    }

    /** Copies {@code W[out][in]} at {@code w[wOff]} into {@code panels} from index 0. */
    void pack(ThreadTeam team, int in, int out, float[] w, int wOff, float[] panels) {
        this.in = in;
        this.out = out;
        this.w = w;
        this.wOff = wOff;
        this.panels = panels;
        phase = Phase.PACK;
        try {
            team.run(parts(team, (long) in * out / VLEN, panelCount(out)), this);
        } finally {
            this.w = null;
            this.panels = null;
        }
    }

    /**
     * {@code z[n][out] = x · Wᵀ (+ bias)} from the panels of W, then {@code act = f(z)} for a piecewise
     * linear {@code f} ({@code null}: none); {@code biasOff < 0}: no bias. Bit for bit the product's.
     */
    void forward(ThreadTeam team, int n, int in, int out, float[] x, int xOff, float[] panels, float[] bias,
                 int biasOff, float[] z, int zOff, Activation f, float[] act, int actOff) {
        if (f != null && !Elementwise.isPiecewiseLinear(f)) {
            throw new IllegalArgumentException("only a piecewise-linear activation goes in the epilogue: " + f);
        }
        this.n = n;
        this.in = in;
        this.out = out;
        this.x = x;
        this.xOff = xOff;
        this.panels = panels;
        this.bias = biasOff >= 0 ? bias : null;
        this.biasOff = biasOff;
        this.z = z;
        this.zOff = zOff;
        this.activation = f;
        this.act = act;
        this.actOff = actOff;
        phase = Phase.FORWARD;
        try {
            team.run(parts(team, (long) n * panelCount(out) * in, panelCount(out)), this);
        } finally {
            this.x = null;
            this.panels = null;
            this.bias = null;
            this.z = null;
            this.act = null;
            this.activation = null;
        }
    }

    private static int parts(ThreadTeam team, long vectorFmas, int panels) {
        return vectorFmas < PARALLEL_VECTOR_FMAS ? 1 : Math.min(team.parallelism(), panels);
    }

    @Override
    public void run(int part, int parts) {
        int panelCount = panelCount(out);
        int first = ThreadTeam.split(panelCount, parts, part), end = ThreadTeam.split(panelCount, parts, part + 1);
        if (phase == Phase.PACK) {
            for (int q = first; q < end; q++) {
                packPanel(q);
            }
            return;
        }
        int j0 = first * VLEN, j1 = Math.min(out, end * VLEN);
        for (int i = 0; i < n; i++) {
            forwardRow(i, first, end);
            int row = zOff + i * out;
            Gemm.complete(z, row + j0, bias, biasOff + j0, j1 - j0, activation, act, actOff + i * out + j0);
        }
    }

    /** Panel q of W: whole VLEN × VLEN blocks transposed in registers, the rest element by element. */
    private void packPanel(int q) {
        int rows = Math.min(VLEN, out - q * VLEN), at = q * in * VLEN, from = wOff + q * VLEN * in;
        int vectorDepth = rows == VLEN ? in / VLEN * VLEN : 0;
        if (vectorDepth > 0) {
            Gemm.transposeBlocks(w, from, in, VLEN, panels, at, VLEN, VLEN * VLEN, vectorDepth / VLEN);
        }
        for (int p = vectorDepth; p < in; p++) {
            for (int r = 0; r < VLEN; r++) {
                panels[at + p * VLEN + r] = r < rows ? w[from + r * in + p] : 0f;
            }
        }
    }

    /** Row i's outputs of panels {@code [first, end)}, {@link #PANELS} at a time while whole ones remain. */
    private void forwardRow(int i, int first, int end) {
        int xAt = xOff + i * in, row = zOff + i * out;
        int whole = Math.min(end, out / VLEN);
        int q = first;
        for (; q + PANELS <= whole; q += PANELS) {
            kernel4(in, panels, q * in * VLEN, x, xAt, z, row + q * VLEN);
        }
        for (; q < whole; q++) {
            kernel1(in, panels, q * in * VLEN, x, xAt, z, row + q * VLEN);
        }
        if (q < end) {
            kernel1(in, panels, q * in * VLEN, x, xAt, lastPanel, 0);
            System.arraycopy(lastPanel, 0, z, row + q * VLEN, out - q * VLEN);
        }
    }

    /** Four panels' outputs from {@code panels[at]} (panels {@code in·VLEN} apart) for the row at {@code x[xAt]}. */
    private static void kernel4(int in, float[] panels, int at, float[] x, int xAt, float[] z, int zAt) {
        FloatVector c0 = FloatVector.zero(SPECIES), c1 = FloatVector.zero(SPECIES);
        FloatVector c2 = FloatVector.zero(SPECIES), c3 = FloatVector.zero(SPECIES);
        int stride = in * VLEN;
        for (int p = 0; p < in; p++) {
            FloatVector xp = FloatVector.broadcast(SPECIES, x[xAt + p]);
            int q = at + p * VLEN;
            c0 = FloatVector.fromArray(SPECIES, panels, q).fma(xp, c0);
            c1 = FloatVector.fromArray(SPECIES, panels, q + stride).fma(xp, c1);
            c2 = FloatVector.fromArray(SPECIES, panels, q + 2 * stride).fma(xp, c2);
            c3 = FloatVector.fromArray(SPECIES, panels, q + 3 * stride).fma(xp, c3);
        }
        c0.intoArray(z, zAt);
        c1.intoArray(z, zAt + VLEN);
        c2.intoArray(z, zAt + 2 * VLEN);
        c3.intoArray(z, zAt + 3 * VLEN);
    }

    /** One panel's outputs, as {@link #kernel4}. */
    private static void kernel1(int in, float[] panels, int at, float[] x, int xAt, float[] z, int zAt) {
        FloatVector c = FloatVector.zero(SPECIES);
        for (int p = 0; p < in; p++) {
            c = FloatVector.fromArray(SPECIES, panels, at + p * VLEN).fma(FloatVector.broadcast(SPECIES, x[xAt + p]), c);
        }
        c.intoArray(z, zAt);
    }
}
