package dev.kiln.kernel.simd;

import dev.kiln.kernel.Activation;
import dev.kiln.thread.ThreadTeam;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Packed, cache-blocked matrix product {@code C = op(A) · op(B) (+ bias per column)}, optionally
 * followed by an activation {@code act = f(C)}, where each operand may be stored transposed; the three
 * Linear-layer products and {@code sgemm} are all this.
 *
 * <p>The structure is the one of BLIS/GotoBLAS: {@code op(B)} is packed into {@link #KC}×{@code NR}
 * column panels, {@code op(A)} into {@link #MC}×{@link #KC} blocks of {@link #MR}-row panels, both
 * zero-padded to whole panels, and a register-blocked micro-kernel computes an {@code MR×NR} tile as
 * outer products (broadcast one A element, multiply-add it with the B vectors of the row), keeping all
 * accumulators in registers; later depth blocks start from the partial sums in C. The bias and the
 * activation are applied to each tile right after its last depth block, while it is still in L1 (the
 * epilogue), so a Linear layer with its activation makes one pass over its output, not three. Because every tile, edge tiles included, runs the same micro-kernel on
 * padded data with the same {@code k} blocking, each output is computed by the same sequence of
 * roundings whatever the tile position: splitting the output among threads cannot change a bit.
 *
 * <p>One instance is a reusable team task: the caller fills the operand fields and runs it on the
 * team, each part computing a contiguous range of output rows or columns with its own packing buffers.
 */
final class Gemm implements ThreadTeam.Task {
    static final VectorSpecies<Float> SPECIES = VectorKernels.SPECIES;
    static final int VLEN = SPECIES.length();
    /** Vectors per micro-tile row: 4 with 512-bit vectors (32 registers), 2 with narrower ones. */
    static final int NV = VLEN >= 16 ? 4 : 2;
    /** Micro-tile rows. */
    static final int MR = 6;
    /** Micro-tile columns. */
    static final int NR = NV * VLEN;
    /** Depth of a packed block: one B micro-panel ({@code KC × NR}) stays in L1/L2 across A panels. */
    static final int KC = 256;
    /** Rows of a packed A block (a multiple of {@link #MR}): {@code MC × KC} floats stay in L2. */
    static final int MC = 24 * MR;
    /** Columns of a packed B block (a multiple of {@link #NR}). */
    static final int NC = 1024 / NR * NR;

    /** Depth of the slices in which a transposed B operand is packed. */
    private static final int TRANSPOSE_DEPTH = 16;

    /** Below this many multiply-adds a product stays on the calling thread. */
    static final long PARALLEL_FMAS = 1L << 18;

    /** Packing one element costs about this many multiply-adds in the micro-kernel. */
    private static final int PACKING_COST = 16;

    /**
     * Largest pair of whole packed operands, in floats, that a multithreaded product packs once for all
     * its parts (beyond it, each part packs blocks for itself, as BLIS does for operands larger than L3).
     */
    private static final long SHARED_PACKING_FLOATS = 8L << 20;

    /** What {@link #run} does in the current team dispatch. */
    private enum Phase {
        /** Each part packs blocks of the operands for itself and multiplies its outputs. */
        OWN_PACKING,
        /** The parts pack disjoint panels of both whole operands into the shared buffers. */
        PACK_SHARED,
        /** Each part multiplies its outputs from the shared packed operands. */
        MULTIPLY_SHARED
    }

    // The product this task computes, set by multiply(); cleared after each run so the task does not
    // keep arrays alive.
    private int m, n, k;
    private float[] a, b, c, bias, act;
    private int aOff, lda, bOff, ldb, cOff, ldc, biasOff, actOff;
    private Activation activation;
    private boolean aTransposed, bTransposed, splitColumns;
    private Phase phase;

    // Per-part scratch: part i of a run uses index i only, so parts never share a buffer.
    private final float[][] packedA;
    /** Packed B panels from {@link LineAligned#OFFSET}: its micro-kernel loads then never split a cache line. */
    private final float[][] packedB;
    private final float[][] tiles;
    // Whole packed operands of a shared-packing product: K-blocks of row (A) and column (B) panels, laid
    // out as the per-part buffers are block by block. Grown on first use of a larger product.
    private float[] sharedA = new float[0];
    private float[] sharedB = new float[0];

    // Products whose packed operands together exceed this many floats are packed by each part for itself.
    private final long sharedPackingFloats;

    Gemm(ThreadTeam team) {
        this(team, SHARED_PACKING_FLOATS);
    }

    /** With a different threshold for packing the operands once for all parts, for tests. */
    Gemm(ThreadTeam team, long sharedPackingFloats) {
        this.sharedPackingFloats = sharedPackingFloats;
        int parts = team.size();
        packedA = new float[parts][MC * KC];
        packedB = new float[parts][];
        for (int part = 0; part < parts; part++) {
            packedB[part] = LineAligned.allocate(NC * KC);
        }
        tiles = new float[parts][MR * NR];
    }

    /**
     * Computes {@code C[m][n] = op(A)[m][k] · op(B)[k][n] (+ bias[j])}. {@code op(A)(i, p)} is
     * {@code a[aOff + i·lda + p]}, or {@code a[aOff + p·lda + i]} when {@code aTransposed};
     * likewise for B. {@code biasOff < 0}: no bias.
     */
    void multiply(ThreadTeam team, int m, int n, int k,
                  float[] a, int aOff, int lda, boolean aTransposed,
                  float[] b, int bOff, int ldb, boolean bTransposed,
                  float[] c, int cOff, int ldc, float[] bias, int biasOff) {
        multiply(team, m, n, k, a, aOff, lda, aTransposed, b, bOff, ldb, bTransposed, c, cOff, ldc, bias, biasOff,
                null, null, 0);
    }

    /**
     * As {@link #multiply(ThreadTeam, int, int, int, float[], int, int, boolean, float[], int, int, boolean,
     * float[], int, int, float[], int) multiply}, then {@code act[actOff + i·ldc + j] = f(C[i][j])} with the
     * values of {@link Elementwise}'s activation ({@code f == null}: none). {@code act} may be {@code c}
     * at the same offset, which leaves only {@code f(C)}.
     */
    void multiply(ThreadTeam team, int m, int n, int k,
                  float[] a, int aOff, int lda, boolean aTransposed,
                  float[] b, int bOff, int ldb, boolean bTransposed,
                  float[] c, int cOff, int ldc, float[] bias, int biasOff,
                  Activation f, float[] act, int actOff) {
        if (m <= 0 || n <= 0) {
            return;
        }
        this.activation = f;
        this.act = act;
        this.actOff = actOff;
        this.m = m;
        this.n = n;
        this.k = k;
        this.a = a;
        this.aOff = aOff;
        this.lda = lda;
        this.aTransposed = aTransposed;
        this.b = b;
        this.bOff = bOff;
        this.ldb = ldb;
        this.bTransposed = bTransposed;
        this.c = c;
        this.cOff = cOff;
        this.ldc = ldc;
        this.bias = biasOff >= 0 ? bias : null;
        this.biasOff = biasOff;
        int rowPanels = (m + MR - 1) / MR;
        int columnPanels = (n + NR - 1) / NR;
        int parts = (long) m * n * k < PARALLEL_FMAS ? 1 : team.size();
        int columnParts = Math.min(parts, columnPanels), rowParts = Math.min(parts, rowPanels);
        long sharedFloats = (long) blocks(k) * KC * ((long) rowPanels * MR + (long) columnPanels * NR);
        boolean sharePacking = parts > 1 && k > 0 && sharedFloats <= sharedPackingFloats;
        // Never split the reduced dimension, so sums keep their order; of rows and columns, split the
        // one whose busiest part costs less (packing included when each part packs for itself).
        int packingCost = sharePacking ? 0 : PACKING_COST;
        splitColumns = busiestPartCost(n, NR, columnParts, m, packingCost)
                <= busiestPartCost(m, MR, rowParts, n, packingCost);
        parts = splitColumns ? columnParts : rowParts;
        try {
            if (sharePacking && parts > 1) {
                ensureSharedBuffers(rowPanels, columnPanels);
                phase = Phase.PACK_SHARED;
                team.run(team.size(), this);
                phase = Phase.MULTIPLY_SHARED;
            } else {
                phase = Phase.OWN_PACKING;
            }
            team.run(parts, this);
        } finally {
            this.a = null;
            this.b = null;
            this.c = null;
            this.bias = null;
            this.act = null;
            this.activation = null;
        }
    }

    /**
     * Relative cost, per unit of depth, of the busiest part when {@code split} outputs (in panels of
     * {@code panel}) are divided into {@code parts} and the other dimension has {@code other}: its
     * multiply-adds plus its packing, which includes the whole operand of the other dimension (every
     * part packs that one for itself).
     */
    private static long busiestPartCost(int split, int panel, int parts, int other, int packingCost) {
        int panels = (split + panel - 1) / panel;
        long busiest = Math.min(split, (long) (panels + parts - 1) / parts * panel);
        return busiest * other + packingCost * (busiest + other);
    }

    /** Depth blocks of {@link #KC} in a depth of {@code depth}. */
    private static int blocks(int depth) {
        return (depth + KC - 1) / KC;
    }

    private void ensureSharedBuffers(int rowPanels, int columnPanels) {
        int aFloats = blocks(k) * KC * rowPanels * MR;
        int bFloats = blocks(k) * KC * columnPanels * NR;
        if (sharedA.length < aFloats) {
            sharedA = new float[aFloats];
        }
        if (sharedB.length < LineAligned.OFFSET + bFloats) {
            sharedB = LineAligned.allocate(bFloats);
        }
    }

    @Override
    public void run(int part, int parts) {
        switch (phase) {
            case OWN_PACKING -> multiplyWithOwnPacking(part, parts);
            case PACK_SHARED -> packShared(part, parts);
            case MULTIPLY_SHARED -> multiplyShared(part, parts);
        }
    }

    /**
     * Packs this part's share of both whole operands: depth block {@code b} of op(A) starts at
     * {@code b·KC·(padded m)} in {@link #sharedA}, that of op(B) at {@code OFFSET + b·KC·(padded n)} in
     * {@link #sharedB}, each holding its panels in order, as {@link #packA}/{@link #packB} lay them out.
     */
    private void packShared(int part, int parts) {
        int rowStart = ThreadTeam.split(m, parts, part, MR), rowEnd = ThreadTeam.split(m, parts, part + 1, MR);
        int columnStart = ThreadTeam.split(n, parts, part, NR);
        int columnEnd = ThreadTeam.split(n, parts, part + 1, NR);
        int paddedM = (m + MR - 1) / MR * MR, paddedN = (n + NR - 1) / NR * NR;
        for (int pc = 0; pc < k; pc += KC) {
            int kc = Math.min(KC, k - pc);
            if (rowEnd > rowStart) {
                packA(sharedA, pc * paddedM + rowStart * kc, rowStart, rowEnd - rowStart, pc, kc);
            }
            if (columnEnd > columnStart) {
                packB(sharedB, LineAligned.OFFSET + pc * paddedN + columnStart * kc, pc, kc,
                        columnStart, columnEnd - columnStart);
            }
        }
    }

    /** Multiplies this part's outputs from the operands {@link #packShared} packed. */
    private void multiplyShared(int part, int parts) {
        int rowStart = 0, rowEnd = m, columnStart = 0, columnEnd = n;
        if (splitColumns) {
            columnStart = ThreadTeam.split(n, parts, part, NR);
            columnEnd = ThreadTeam.split(n, parts, part + 1, NR);
        } else {
            rowStart = ThreadTeam.split(m, parts, part, MR);
            rowEnd = ThreadTeam.split(m, parts, part + 1, MR);
        }
        int paddedM = (m + MR - 1) / MR * MR, paddedN = (n + NR - 1) / NR * NR;
        for (int jc = columnStart; jc < columnEnd; jc += NC) {
            int nc = Math.min(NC, columnEnd - jc);
            for (int pc = 0; pc < k; pc += KC) {
                int kc = Math.min(KC, k - pc);
                for (int ic = rowStart; ic < rowEnd; ic += MC) {
                    int mc = Math.min(MC, rowEnd - ic);
                    multiplyBlock(part, sharedA, pc * paddedM + ic * kc, ic, mc,
                            sharedB, LineAligned.OFFSET + pc * paddedN + jc * kc, jc, nc, pc, kc);
                }
            }
        }
    }

    private void multiplyWithOwnPacking(int part, int parts) {
        int rowStart = 0, rowEnd = m, columnStart = 0, columnEnd = n;
        if (splitColumns) {
            columnStart = ThreadTeam.split(n, parts, part, NR);
            columnEnd = ThreadTeam.split(n, parts, part + 1, NR);
        } else {
            rowStart = ThreadTeam.split(m, parts, part, MR);
            rowEnd = ThreadTeam.split(m, parts, part + 1, MR);
        }
        float[] pa = packedA[part];
        float[] pb = packedB[part];
        for (int jc = columnStart; jc < columnEnd; jc += NC) {
            int nc = Math.min(NC, columnEnd - jc);
            for (int pc = 0; pc < k; pc += KC) {
                int kc = Math.min(KC, k - pc);
                packB(pb, LineAligned.OFFSET, pc, kc, jc, nc);
                for (int ic = rowStart; ic < rowEnd; ic += MC) {
                    int mc = Math.min(MC, rowEnd - ic);
                    packA(pa, 0, ic, mc, pc, kc);
                    multiplyBlock(part, pa, 0, ic, mc, pb, LineAligned.OFFSET, jc, nc, pc, kc);
                }
            }
        }
        if (k == 0) {
            for (int i = rowStart; i < rowEnd; i++) {
                int row = cOff + i * ldc;
                java.util.Arrays.fill(c, row + columnStart, row + columnEnd, 0f);
            }
            epilogue(rowStart, rowEnd, columnStart, columnEnd);
        }
    }

    /**
     * Multiplies packed rows {@code [ic, ic+mc)} (panels from {@code pa[aAt]}) by packed columns
     * {@code [jc, jc+nc)} (panels from {@code pb[bAt]}) over depth block {@code [pc, pc+kc)}, adding to
     * the earlier blocks' sums in C, and completes the outputs after the last block.
     */
    private void multiplyBlock(int part, float[] pa, int aAt, int ic, int mc,
                               float[] pb, int bAt, int jc, int nc, int pc, int kc) {
        boolean accumulate = pc > 0;
        boolean last = pc + kc == k;
        float[] tile = tiles[part];
        for (int jr = 0; jr < nc; jr += NR) {
            int j = jc + jr;
            for (int ir = 0; ir < mc; ir += MR) {
                int i = ic + ir;
                int rows = Math.min(MR, mc - ir), cols = Math.min(NR, nc - jr);
                if (rows == MR && cols == NR) {
                    microKernel(kc, pa, aAt + ir * kc, pb, bAt + jr * kc, c, cOff + i * ldc + j, ldc, accumulate);
                } else {
                    edgeTile(kc, pa, aAt + ir * kc, pb, bAt + jr * kc, tile, i, rows, j, cols, accumulate);
                }
                if (last) {
                    epilogue(i, i + rows, j, j + cols);
                }
            }
        }
    }

    /**
     * A partial tile: runs the same micro-kernel on a full-size copy of it, so its outputs see exactly
     * the roundings they would see inside a full tile.
     */
    private void edgeTile(int kc, float[] pa, int aAt, float[] pb, int bAt, float[] tile,
                          int i, int rows, int j, int cols, boolean accumulate) {
        if (accumulate) {
            for (int r = 0; r < rows; r++) {
                System.arraycopy(c, cOff + (i + r) * ldc + j, tile, r * NR, cols);
            }
        }
        microKernel(kc, pa, aAt, pb, bAt, tile, 0, NR, accumulate);
        for (int r = 0; r < rows; r++) {
            System.arraycopy(tile, r * NR, c, cOff + (i + r) * ldc + j, cols);
        }
    }

    /** Completes the finished outputs {@code [i0, i1) × [j0, j1)}: the bias, then the activation. */
    private void epilogue(int i0, int i1, int j0, int j1) {
        if (bias == null && activation == null) {
            return;
        }
        int cols = j1 - j0;
        int bound = SPECIES.loopBound(cols);
        for (int i = i0; i < i1; i++) {
            int row = cOff + i * ldc + j0;
            if (bias != null) {
                int at = biasOff + j0;
                int j = 0;
                for (; j < bound; j += VLEN) {
                    FloatVector.fromArray(SPECIES, c, row + j).add(FloatVector.fromArray(SPECIES, bias, at + j))
                            .intoArray(c, row + j);
                }
                for (; j < cols; j++) {
                    c[row + j] += bias[at + j];
                }
            }
            if (activation != null) {
                Elementwise.activationForward(activation, c, row, act, actOff + i * ldc + j0, cols);
            }
        }
    }

    /**
     * Packs rows {@code [i0, i0+mc)} × depth {@code [p0, p0+kc)} of op(A) as MR-row panels, from
     * {@code dst[dstAt]} on.
     */
    private void packA(float[] dst, int dstAt, int i0, int mc, int p0, int kc) {
        for (int ip = 0; ip < mc; ip += MR) {
            int panel = dstAt + ip * kc;
            int rows = Math.min(MR, mc - ip);
            if (aTransposed) {
                for (int p = 0; p < kc; p++) {
                    int src = aOff + (p0 + p) * lda + i0 + ip;
                    int d = panel + p * MR;
                    for (int r = 0; r < rows; r++) {
                        dst[d + r] = a[src + r];
                    }
                    for (int r = rows; r < MR; r++) {
                        dst[d + r] = 0f;
                    }
                }
            } else {
                for (int r = 0; r < rows; r++) {
                    int src = aOff + (i0 + ip + r) * lda + p0;
                    for (int p = 0; p < kc; p++) {
                        dst[panel + p * MR + r] = a[src + p];
                    }
                }
                for (int r = rows; r < MR; r++) {
                    for (int p = 0; p < kc; p++) {
                        dst[panel + p * MR + r] = 0f;
                    }
                }
            }
        }
    }

    /**
     * Packs depth {@code [p0, p0+kc)} × columns {@code [j0, j0+nc)} of op(B) as NR-column panels, from
     * {@code dst[dstAt]} on.
     */
    private void packB(float[] dst, int dstAt, int p0, int kc, int j0, int nc) {
        for (int jp = 0; jp < nc; jp += NR) {
            int panel = dstAt + jp * kc;
            int cols = Math.min(NR, nc - jp);
            if (bTransposed) {
                // A transpose, in slices of TRANSPOSE_DEPTH rows of the panel so the rows being
                // written stay in L1 while each source row is read a cache line at a time.
                for (int ps = 0; ps < kc; ps += TRANSPOSE_DEPTH) {
                    int pEnd = Math.min(kc, ps + TRANSPOSE_DEPTH);
                    for (int q = 0; q < cols; q++) {
                        int src = bOff + (j0 + jp + q) * ldb + p0;
                        for (int p = ps; p < pEnd; p++) {
                            dst[panel + p * NR + q] = b[src + p];
                        }
                    }
                }
                if (cols < NR) {
                    for (int p = 0; p < kc; p++) {
                        java.util.Arrays.fill(dst, panel + p * NR + cols, panel + (p + 1) * NR, 0f);
                    }
                }
            } else {
                for (int p = 0; p < kc; p++) {
                    int src = bOff + (p0 + p) * ldb + j0 + jp;
                    int d = panel + p * NR;
                    System.arraycopy(b, src, dst, d, cols);
                    if (cols < NR) {
                        java.util.Arrays.fill(dst, d + cols, d + NR, 0f);
                    }
                }
            }
        }
    }

    private static void microKernel(int kc, float[] pa, int aAt, float[] pb, int bAt,
                                    float[] c, int cAt, int ldc, boolean accumulate) {
        if (NV == 4) {
            kernel6x4(kc, pa, aAt, pb, bAt, c, cAt, ldc, accumulate);
        } else {
            kernel6x2(kc, pa, aAt, pb, bAt, c, cAt, ldc, accumulate);
        }
    }

    /** The 512-bit micro-kernel: 6 rows × 4 vectors, 24 accumulators (of 32 registers). */
    private static void kernel6x4(int kc, float[] pa, int aAt, float[] pb, int bAt,
                                  float[] c, int cAt, int ldc, boolean accumulate) {
        FloatVector c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33, c40, c41, c42, c43, c50, c51, c52, c53;
        if (accumulate) {
            c00 = FloatVector.fromArray(SPECIES, c, cAt);
            c01 = FloatVector.fromArray(SPECIES, c, cAt + VLEN);
            c02 = FloatVector.fromArray(SPECIES, c, cAt + 2 * VLEN);
            c03 = FloatVector.fromArray(SPECIES, c, cAt + 3 * VLEN);
            c10 = FloatVector.fromArray(SPECIES, c, cAt + 1 * ldc);
            c11 = FloatVector.fromArray(SPECIES, c, cAt + 1 * ldc + VLEN);
            c12 = FloatVector.fromArray(SPECIES, c, cAt + 1 * ldc + 2 * VLEN);
            c13 = FloatVector.fromArray(SPECIES, c, cAt + 1 * ldc + 3 * VLEN);
            c20 = FloatVector.fromArray(SPECIES, c, cAt + 2 * ldc);
            c21 = FloatVector.fromArray(SPECIES, c, cAt + 2 * ldc + VLEN);
            c22 = FloatVector.fromArray(SPECIES, c, cAt + 2 * ldc + 2 * VLEN);
            c23 = FloatVector.fromArray(SPECIES, c, cAt + 2 * ldc + 3 * VLEN);
            c30 = FloatVector.fromArray(SPECIES, c, cAt + 3 * ldc);
            c31 = FloatVector.fromArray(SPECIES, c, cAt + 3 * ldc + VLEN);
            c32 = FloatVector.fromArray(SPECIES, c, cAt + 3 * ldc + 2 * VLEN);
            c33 = FloatVector.fromArray(SPECIES, c, cAt + 3 * ldc + 3 * VLEN);
            c40 = FloatVector.fromArray(SPECIES, c, cAt + 4 * ldc);
            c41 = FloatVector.fromArray(SPECIES, c, cAt + 4 * ldc + VLEN);
            c42 = FloatVector.fromArray(SPECIES, c, cAt + 4 * ldc + 2 * VLEN);
            c43 = FloatVector.fromArray(SPECIES, c, cAt + 4 * ldc + 3 * VLEN);
            c50 = FloatVector.fromArray(SPECIES, c, cAt + 5 * ldc);
            c51 = FloatVector.fromArray(SPECIES, c, cAt + 5 * ldc + VLEN);
            c52 = FloatVector.fromArray(SPECIES, c, cAt + 5 * ldc + 2 * VLEN);
            c53 = FloatVector.fromArray(SPECIES, c, cAt + 5 * ldc + 3 * VLEN);
        } else {
            c00 = FloatVector.zero(SPECIES);
            c01 = c02 = c03 = c10 = c11 = c12 = c13 = c20 = c00;
            c21 = c22 = c23 = c30 = c31 = c32 = c33 = c40 = c00;
            c41 = c42 = c43 = c50 = c51 = c52 = c53 = c00;
        }
        // The offsets advance by addition, the B one counting the loop (so C2 hoists the B loads' bounds
        // checks). Recomputed from a depth counter each step, they cost about as many issue slots as the
        // 256-bit kernel's 12 multiply-adds, which then ran at about one per cycle.
        for (int bi = bAt, ai = aAt, bEnd = bAt + kc * NR; bi < bEnd; bi += NR, ai += MR) {
            FloatVector b0 = FloatVector.fromArray(SPECIES, pb, bi);
            FloatVector b1 = FloatVector.fromArray(SPECIES, pb, bi + VLEN);
            FloatVector b2 = FloatVector.fromArray(SPECIES, pb, bi + 2 * VLEN);
            FloatVector b3 = FloatVector.fromArray(SPECIES, pb, bi + 3 * VLEN);
            FloatVector av = FloatVector.broadcast(SPECIES, pa[ai]);
            c00 = av.fma(b0, c00);
            c01 = av.fma(b1, c01);
            c02 = av.fma(b2, c02);
            c03 = av.fma(b3, c03);
            av = FloatVector.broadcast(SPECIES, pa[ai + 1]);
            c10 = av.fma(b0, c10);
            c11 = av.fma(b1, c11);
            c12 = av.fma(b2, c12);
            c13 = av.fma(b3, c13);
            av = FloatVector.broadcast(SPECIES, pa[ai + 2]);
            c20 = av.fma(b0, c20);
            c21 = av.fma(b1, c21);
            c22 = av.fma(b2, c22);
            c23 = av.fma(b3, c23);
            av = FloatVector.broadcast(SPECIES, pa[ai + 3]);
            c30 = av.fma(b0, c30);
            c31 = av.fma(b1, c31);
            c32 = av.fma(b2, c32);
            c33 = av.fma(b3, c33);
            av = FloatVector.broadcast(SPECIES, pa[ai + 4]);
            c40 = av.fma(b0, c40);
            c41 = av.fma(b1, c41);
            c42 = av.fma(b2, c42);
            c43 = av.fma(b3, c43);
            av = FloatVector.broadcast(SPECIES, pa[ai + 5]);
            c50 = av.fma(b0, c50);
            c51 = av.fma(b1, c51);
            c52 = av.fma(b2, c52);
            c53 = av.fma(b3, c53);
        }
        c00.intoArray(c, cAt);
        c01.intoArray(c, cAt + VLEN);
        c02.intoArray(c, cAt + 2 * VLEN);
        c03.intoArray(c, cAt + 3 * VLEN);
        c10.intoArray(c, cAt + 1 * ldc);
        c11.intoArray(c, cAt + 1 * ldc + VLEN);
        c12.intoArray(c, cAt + 1 * ldc + 2 * VLEN);
        c13.intoArray(c, cAt + 1 * ldc + 3 * VLEN);
        c20.intoArray(c, cAt + 2 * ldc);
        c21.intoArray(c, cAt + 2 * ldc + VLEN);
        c22.intoArray(c, cAt + 2 * ldc + 2 * VLEN);
        c23.intoArray(c, cAt + 2 * ldc + 3 * VLEN);
        c30.intoArray(c, cAt + 3 * ldc);
        c31.intoArray(c, cAt + 3 * ldc + VLEN);
        c32.intoArray(c, cAt + 3 * ldc + 2 * VLEN);
        c33.intoArray(c, cAt + 3 * ldc + 3 * VLEN);
        c40.intoArray(c, cAt + 4 * ldc);
        c41.intoArray(c, cAt + 4 * ldc + VLEN);
        c42.intoArray(c, cAt + 4 * ldc + 2 * VLEN);
        c43.intoArray(c, cAt + 4 * ldc + 3 * VLEN);
        c50.intoArray(c, cAt + 5 * ldc);
        c51.intoArray(c, cAt + 5 * ldc + VLEN);
        c52.intoArray(c, cAt + 5 * ldc + 2 * VLEN);
        c53.intoArray(c, cAt + 5 * ldc + 3 * VLEN);
    }

    /** The micro-kernel for 256-bit and narrower vectors (16 registers): 6 rows × 2 vectors. */
    private static void kernel6x2(int kc, float[] pa, int aAt, float[] pb, int bAt,
                                  float[] c, int cAt, int ldc, boolean accumulate) {
        FloatVector c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51;
        if (accumulate) {
            c00 = FloatVector.fromArray(SPECIES, c, cAt);
            c01 = FloatVector.fromArray(SPECIES, c, cAt + VLEN);
            c10 = FloatVector.fromArray(SPECIES, c, cAt + 1 * ldc);
            c11 = FloatVector.fromArray(SPECIES, c, cAt + 1 * ldc + VLEN);
            c20 = FloatVector.fromArray(SPECIES, c, cAt + 2 * ldc);
            c21 = FloatVector.fromArray(SPECIES, c, cAt + 2 * ldc + VLEN);
            c30 = FloatVector.fromArray(SPECIES, c, cAt + 3 * ldc);
            c31 = FloatVector.fromArray(SPECIES, c, cAt + 3 * ldc + VLEN);
            c40 = FloatVector.fromArray(SPECIES, c, cAt + 4 * ldc);
            c41 = FloatVector.fromArray(SPECIES, c, cAt + 4 * ldc + VLEN);
            c50 = FloatVector.fromArray(SPECIES, c, cAt + 5 * ldc);
            c51 = FloatVector.fromArray(SPECIES, c, cAt + 5 * ldc + VLEN);
        } else {
            c00 = FloatVector.zero(SPECIES);
            c01 = c10 = c11 = c20 = c00;
            c21 = c30 = c31 = c40 = c00;
            c41 = c50 = c51 = c00;
        }
        // The B offset is the loop counter: see kernel6x4.
        for (int bi = bAt, ai = aAt, bEnd = bAt + kc * NR; bi < bEnd; bi += NR, ai += MR) {
            FloatVector b0 = FloatVector.fromArray(SPECIES, pb, bi);
            FloatVector b1 = FloatVector.fromArray(SPECIES, pb, bi + VLEN);
            FloatVector av = FloatVector.broadcast(SPECIES, pa[ai]);
            c00 = av.fma(b0, c00);
            c01 = av.fma(b1, c01);
            av = FloatVector.broadcast(SPECIES, pa[ai + 1]);
            c10 = av.fma(b0, c10);
            c11 = av.fma(b1, c11);
            av = FloatVector.broadcast(SPECIES, pa[ai + 2]);
            c20 = av.fma(b0, c20);
            c21 = av.fma(b1, c21);
            av = FloatVector.broadcast(SPECIES, pa[ai + 3]);
            c30 = av.fma(b0, c30);
            c31 = av.fma(b1, c31);
            av = FloatVector.broadcast(SPECIES, pa[ai + 4]);
            c40 = av.fma(b0, c40);
            c41 = av.fma(b1, c41);
            av = FloatVector.broadcast(SPECIES, pa[ai + 5]);
            c50 = av.fma(b0, c50);
            c51 = av.fma(b1, c51);
        }
        c00.intoArray(c, cAt);
        c01.intoArray(c, cAt + VLEN);
        c10.intoArray(c, cAt + 1 * ldc);
        c11.intoArray(c, cAt + 1 * ldc + VLEN);
        c20.intoArray(c, cAt + 2 * ldc);
        c21.intoArray(c, cAt + 2 * ldc + VLEN);
        c30.intoArray(c, cAt + 3 * ldc);
        c31.intoArray(c, cAt + 3 * ldc + VLEN);
        c40.intoArray(c, cAt + 4 * ldc);
        c41.intoArray(c, cAt + 4 * ldc + VLEN);
        c50.intoArray(c, cAt + 5 * ldc);
        c51.intoArray(c, cAt + 5 * ldc + VLEN);
    }

}
