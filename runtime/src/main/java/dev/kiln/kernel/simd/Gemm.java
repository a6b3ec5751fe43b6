package dev.kiln.kernel.simd;

import dev.kiln.kernel.Activation;
import dev.kiln.thread.ThreadTeam;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntPredicate;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Packed, cache-blocked matrix product {@code C = op(A) · op(B) (+ bias per column)}, optionally
 * followed by an activation {@code act = f(C)}, where each operand may be stored transposed; the three
 * Linear-layer products and {@code sgemm} are all this.
 *
 * <p>The structure is the one of BLIS/GotoBLAS: {@code op(B)} is packed into {@link #KC}×{@code NR}
 * column panels, zero-padded to whole panels, and a register-blocked micro-kernel computes an
 * {@code MR×NR} tile as outer products (broadcast one A element, multiply-add it with the B vectors of
 * the row), keeping all accumulators in registers, for the rows of {@link #MC}×{@link #KC} blocks of
 * {@code op(A)}. Unlike BLIS, whole {@link #MR}-row panels of A are read where they lie (six rows, or
 * six adjacent columns when A is transposed): each part would otherwise pack the whole of A for itself
 * when the columns are split, and packing cost more than the broadcasts' scattered reads save (the
 * Fashion-MNIST forward product was 5% faster at one thread and 15% at two). Only a last panel of fewer
 * than MR rows is copied, zero-padded, so that it runs the same micro-kernel. Each depth block's tile
 * of sums is written to C, and the next block's micro-kernel goes on from it. The bias and the
 * activation are applied to each tile right after its last depth block, while it is still in L1 (the
 * epilogue), so a Linear layer with its activation makes one pass over its output, not three. Because
 * every tile, edge tiles included, runs the same micro-kernel
 * on padded data with the same {@code k} blocking, each output is computed by the same sequence of
 * roundings whatever the tile position: splitting the output among threads cannot change a bit.
 *
 * <p>One instance is a reusable team task: the caller fills the operand fields and runs it on the
 * team, each part computing a contiguous range of output rows or columns and packing blocks of
 * {@code op(B)} into its own buffers. It can instead pack the whole of {@code op(B)} once into a shared
 * buffer (all parts packing disjoint panels) and hand out output chunks to whichever part is free; see
 * {@link #SHARED_PACKING_FLOATS} for when that pays.
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
    static final int KC = 512;
    /** Rows of an A block (a multiple of {@link #MR}): its {@code MC × KC} floats stay in L2. */
    static final int MC = 24 * MR;
    /** Columns of a packed B block (a multiple of {@link #NR}). */
    static final int NC = 1024 / NR * NR;

    // The in-register transposes' steps: for s = 8, 4, 2, 1, LANES_s selects the lanes whose index has
    // bit s set, AHEAD_s moves lane l + s to lane l, BACK_s moves lane l - s to lane l (modulo VLEN).
    private static final VectorMask<Float> LANES_8 = lanesWhere(l -> (l & 8) != 0),
            LANES_4 = lanesWhere(l -> (l & 4) != 0), LANES_2 = lanesWhere(l -> (l & 2) != 0),
            LANES_1 = lanesWhere(l -> (l & 1) != 0);
    private static final VectorShuffle<Float> AHEAD_8 = rotation(8), AHEAD_4 = rotation(4),
            AHEAD_2 = rotation(2), AHEAD_1 = rotation(1);
    private static final VectorShuffle<Float> BACK_8 = rotation(-8), BACK_4 = rotation(-4),
            BACK_2 = rotation(-2), BACK_1 = rotation(-1);

    /** The sums a micro-kernel starts from in the first depth block: a tile of zeros (row stride NR). */
    private static final float[] ZEROS = new float[MR * NR];

    /**
     * Below this much work a product stays on the calling thread, counting each multiply-add as one and
     * each output as {@link #OUTPUT_FMAS}.
     */
    static final long PARALLEL_FMAS = 1L << 18;
    /**
     * An output's store, in multiply-adds: a product of little depth is bound by its stores, and one
     * with many outputs is split even when its multiply-adds are few. At batch 1 a large layer's weight
     * gradient is an outer product (depth 1); on one thread it left the optimizer's other thread to
     * fetch half the gradient from the first core's cache: a 784-256-128-10 step at 2 threads took
     * 319 µs with it on one thread, 176 µs split (179 µs at 1 thread).
     */
    static final long OUTPUT_FMAS = 8;

    /**
     * A weight a product reads, in multiply-adds, when the weight's rows belong to the team's threads
     * (see {@link #weightRows}): on one thread the product would pull the other threads' rows into its core's
     * cache, and their optimizer update would pull them back. At batch 1 a 784 → 256 forward is 200 704
     * multiply-adds, under {@link #PARALLEL_FMAS}; on one thread it made the 784-256-10 step at 2 threads
     * take 298 µs (forward 107 µs, SGD 117 µs) against 124 µs at 1 thread.
     */
    static final long OWNED_WEIGHT_FMAS = 8;

    /**
     * A product whose output rows are a weight's rows is split by rows unless its busiest part would cost
     * more than {@code 1 + 1/ROW_SPLIT_SLACK} times its cost with the columns split: then each thread
     * computes and updates the same weight rows (see {@link dev.kiln.kernel.Kernels#ownParameterRows}),
     * which saved more than the extra packing (a thread packs all of B when the rows are split) in every
     * model measured.
     */
    private static final int ROW_SPLIT_SLACK = 4;

    /** Packing one element costs about this many multiply-adds in the micro-kernel. */
    private static final int PACKING_COST = 16;

    /**
     * Largest whole packed B operand, in floats, that a multithreaded product packs once for all its
     * parts; beyond it, each part packs blocks for itself. By default no product shares packing.
     * Sharing halves the packing work at 2 threads but makes one core read panels the other wrote, and
     * which of the two wins depends on the machine's caches: on a 2-core Skylake-SP guest (one shared
     * L3) sharing up to 8M floats made the large MLP's products 2–10% faster; on the 2-core Zen 5
     * guest Kiln is now measured on, packing for itself made every Linear-layer product and whole
     * training steps faster (Fashion-MNIST MLP 8%, large MLP 3%, in alternating JMH runs). Those
     * measurements date from when A was packed too, and shared with B.
     */
    private static final long SHARED_PACKING_FLOATS = 0;

    /**
     * Chunks per thread of a shared-packing product's outputs, handed out in order to whichever thread
     * is free: when another process slows one core (this is common on shared machines), the other
     * takes over its remaining chunks instead of waiting for it. Each output is still computed whole
     * by one thread, so results do not depend on who computes what.
     */
    private static final int CHUNKS_PER_THREAD = 8;

    /** What {@link #run} does in the current team dispatch. */
    private enum Phase {
        /** Each part packs blocks of B for itself (and reads A in place) and multiplies its outputs. */
        OWN_PACKING,
        /** The parts pack disjoint panels of the whole B operand into the shared buffer. */
        PACK_SHARED,
        /** The parts take chunks of the outputs in turn and multiply them by the shared packed B. */
        MULTIPLY_SHARED
    }

    // The product this task computes, set by multiply(); cleared after each run so the task does not
    // keep arrays alive.
    private int m, n, k;
    private float[] a, b, c, bias, act;
    private int aOff, lda, bOff, ldb, cOff, ldc, biasOff, actOff;
    private Activation activation;
    // The derivative epilogue of multiplyThroughDerivative: C ⊙= f'(z) given a = f(z), laid out as C.
    private Activation derivative;
    private float[] derivativeZ, derivativeA;
    // Where a product computed transposed (linearForward) is stored, its transpose completed there by the
    // bias (one per stored column) and the activation; C is then transposedSums. Null: C is the result.
    private float[] stored;
    private int storedOff, storedLd;
    /** C of a product computed transposed, row stride n; grown to the largest such product. */
    private float[] transposedSums = new float[0];
    private boolean aTransposed, bTransposed, splitColumns;
    // Set for the products whose output rows are a weight's rows (ownParameterRows): split by rows unless
    // the busiest part would cost more than 1 + 1/ROW_SPLIT_SLACK times as much as with columns.
    private boolean weightRows;
    private Phase phase;
    // MULTIPLY_SHARED's work list: chunks of chunkPanels panels along the split dimension.
    private final AtomicInteger nextChunk = new AtomicInteger();
    private int chunks, chunkPanels;

    // Per-part scratch: part i of a run uses index i only, so parts never share a buffer.
    /** A partial last A panel (fewer than MR rows), zero-padded; whole panels are read in place. */
    private final float[][] packedA;
    /**
     * Packed B panels from {@link LineAligned#OFFSET}: its micro-kernel loads then never split a cache line.
     * Package-private for a test that tells which parts ran.
     */
    final float[][] packedB;
    private final float[][] tiles;
    // The whole packed B of a shared-packing product: K-blocks of column panels, laid out as the per-part
    // buffers are block by block. Grown on first use of a larger product.
    private float[] sharedB = new float[0];

    // Products whose packed operands together exceed this many floats are packed by each part for itself.
    private final long sharedPackingFloats;
    private final int chunksPerThread;

    private static VectorShuffle<Float> rotation(int by) {
        return VectorShuffle.fromOp(SPECIES, l -> Math.floorMod(l + by, VLEN));
    }

    private static VectorMask<Float> lanesWhere(IntPredicate lane) {
        long lanes = 0;
        for (int l = 0; l < VLEN; l++) {
            if (lane.test(l)) {
                lanes |= 1L << l;
            }
        }
        return VectorMask.fromLong(SPECIES, lanes);
    }

    Gemm(ThreadTeam team) {
        this(team, SHARED_PACKING_FLOATS, CHUNKS_PER_THREAD);
    }

    /**
     * With a different threshold for packing the operands once for all parts, and a different number of
     * output chunks per thread when it does (1: one fixed share each), for tests and measurements.
     */
    Gemm(ThreadTeam team, long sharedPackingFloats, int chunksPerThread) {
        this.sharedPackingFloats = sharedPackingFloats;
        this.chunksPerThread = chunksPerThread;
        int parts = team.size();
        packedA = new float[parts][MR * KC];
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
     * values of {@link Elementwise}'s activation ({@code f == null}: none; otherwise
     * {@link Elementwise#isPiecewiseLinear piecewise linear}). {@code act} may be {@code c}
     * at the same offset, which leaves only {@code f(C)}.
     */
    void multiply(ThreadTeam team, int m, int n, int k,
                  float[] a, int aOff, int lda, boolean aTransposed,
                  float[] b, int bOff, int ldb, boolean bTransposed,
                  float[] c, int cOff, int ldc, float[] bias, int biasOff,
                  Activation f, float[] act, int actOff) {
        if (f != null && !Elementwise.isPiecewiseLinear(f)) {
            throw new IllegalArgumentException("only a piecewise-linear activation goes in the epilogue: " + f);
        }
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
        // A product computed transposed reads the weights, whose rows the team's threads own, as A.
        int parts = parts(team.parallelism(), m, n, k, stored != null ? (long) m * k : 0);
        int columnParts = Math.min(parts, columnPanels), rowParts = rowParts(m, parts);
        long sharedFloats = (long) blocks(k) * KC * columnPanels * NR;
        boolean sharePacking = parts > 1 && k > 0 && sharedFloats <= sharedPackingFloats;
        // Never split the reduced dimension, so sums keep their order; of rows and columns, split the
        // one whose busiest part costs less (packing included when each part packs for itself).
        int packingCost = sharePacking ? 0 : PACKING_COST;
        long columnsCost = busiestPartCost(n, NR, columnParts, m, packingCost, 0);
        long rowsCost = busiestPartCost(m, MR, rowParts, n, 0, packingCost);
        splitColumns = weightRows ? rowsCost > columnsCost + columnsCost / ROW_SPLIT_SLACK : columnsCost <= rowsCost;
        parts = splitColumns ? columnParts : rowParts;
        try {
            if (sharePacking && parts > 1) {
                ensureSharedB(columnPanels);
                phase = Phase.PACK_SHARED;
                team.run(team.parallelism(), this);
                int splitPanels = splitColumns ? columnPanels : rowPanels;
                chunkPanels = Math.max(1, (splitPanels + parts * chunksPerThread - 1) / (parts * chunksPerThread));
                chunks = (splitPanels + chunkPanels - 1) / chunkPanels;
                nextChunk.set(0);
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
     * A Linear layer's forward pass, {@code z = x · wᵀ (+ bias)} then {@code act = f(z)} as in
     * {@link #multiply(ThreadTeam, int, int, int, float[], int, int, boolean, float[], int, int, boolean,
     * float[], int, int, float[], int, Activation, float[], int) multiply}: x is {@code batch × in}, w
     * {@code out × in}, z and act {@code batch × out}, row-major from their offsets; {@code biasOff < 0}: no
     * bias.
     *
     * <p>A layer with more outputs than the batch has rows is computed as {@code zᵀ = w · xᵀ}, then
     * transposed into z by each part as soon as its share is done. The operand packed into panels is then x
     * rather than w: the smaller one, and packing is what a batch of a few hundred rows cannot amortise
     * (a 128 × 512 → 1000 forward took 908 µs at one thread as {@code x · wᵀ}, 704 µs as
     * {@code w · xᵀ}). The bits are the same either way: each output is the same chain of multiply-adds,
     * whose products do not depend on the order of their factors. Computed transposed, the product's rows
     * are the weight's rows, and it is split by them as {@link #weightGradient} is.
     */
    void linearForward(ThreadTeam team, int batch, int in, int out, float[] x, int xOff, float[] w, int wOff,
                       float[] bias, int biasOff, float[] z, int zOff, Activation f, float[] act, int actOff) {
        if (out <= batch) {
            multiply(team, batch, out, in, x, xOff, in, false, w, wOff, in, true, z, zOff, out, bias, biasOff,
                    f, act, actOff);
            return;
        }
        if (transposedSums.length < out * batch) {
            transposedSums = new float[out * batch];
        }
        stored = z;
        storedOff = zOff;
        storedLd = out;
        weightRows = true;
        try {
            multiply(team, out, batch, in, w, wOff, in, false, x, xOff, in, true, transposedSums, 0, batch,
                    bias, biasOff, f, act, actOff);
        } finally {
            stored = null;
            weightRows = false;
        }
    }

    /**
     * A Linear layer's weight gradient {@code dW[out][in] = dyᵀ · x}, dy {@code batch × out} and x
     * {@code batch × in} row-major: dy read as the transposed A operand. Split by dW's rows where that
     * costs little more than by columns, so each thread computes the rows it updates
     * ({@link dev.kiln.kernel.Kernels#ownParameterRows}).
     */
    void weightGradient(ThreadTeam team, int batch, int in, int out, float[] dy, int dyOff, float[] x, int xOff,
                        float[] grads, int wOff) {
        weightRows = true;
        try {
            multiply(team, out, in, batch, dy, dyOff, out, true, x, xOff, in, false, grads, wOff, in, null, -1);
        } finally {
            weightRows = false;
        }
    }

    /**
     * {@code dz[m][n] = (op(A) · op(B)) ⊙ f'(z)} given {@code a = f(z)}, with {@code dz}, {@code z} and
     * {@code a} row-major {@code m × n} from index 0; the derivative is the one of {@link Elementwise}
     * (one it {@link Elementwise#hasCheapDerivative computes cheaply}), applied to each tile after its last
     * depth block.
     */
    void multiplyThroughDerivative(ThreadTeam team, int m, int n, int k,
                                   float[] a, int aOff, int lda, boolean aTransposed,
                                   float[] b, int bOff, int ldb, boolean bTransposed,
                                   float[] dz, Activation f, float[] z, float[] act) {
        if (!Elementwise.hasCheapDerivative(f)) {
            throw new IllegalArgumentException("only a cheap derivative goes in the epilogue: " + f);
        }
        derivative = f;
        derivativeZ = z;
        derivativeA = act;
        try {
            multiply(team, m, n, k, a, aOff, lda, aTransposed, b, bOff, ldb, bTransposed, dz, 0, n, null, -1);
        } finally {
            derivative = null;
            derivativeZ = null;
            derivativeA = null;
        }
    }

    /**
     * Relative cost, per unit of depth, of the busiest part when {@code split} outputs (in panels of
     * {@code panel}) are divided into {@code parts} and the other dimension has {@code other}: its
     * multiply-adds plus its packing, at {@code splitPacking} per element of its own share (B's columns,
     * which a part packs for itself) and {@code otherPacking} per element of the other dimension (all of B
     * when the rows are split; A is read in place).
     */
    private static long busiestPartCost(int split, int panel, int parts, int other, int splitPacking,
                                        int otherPacking) {
        int panels = (split + panel - 1) / panel;
        long busiest = Math.min(split, (long) (panels + parts - 1) / parts * panel);
        return busiest * other + splitPacking * busiest + (long) otherPacking * other;
    }

    /**
     * How many of a team's {@code threads} compute an {@code m × n} product of depth {@code k} that reads
     * {@code ownedWeights} weights whose rows the threads own: all of them, unless the work is below
     * {@link #PARALLEL_FMAS}.
     */
    static int parts(int threads, int m, int n, int k, long ownedWeights) {
        long work = (long) m * n * (k + OUTPUT_FMAS) + ownedWeights * OWNED_WEIGHT_FMAS;
        return work < PARALLEL_FMAS ? 1 : threads;
    }

    /** How many parts share {@code rows} output rows split among up to {@code parts}: a panel each at least. */
    static int rowParts(int rows, int parts) {
        return Math.min(parts, (rows + MR - 1) / MR);
    }

    /**
     * The first output row of part {@code part} of {@code parts} ({@link #rowParts}) when the rows are split
     * (whole panels each); {@code part == parts} gives {@code rows}.
     */
    static int firstRow(int rows, int parts, int part) {
        return ThreadTeam.split(rows, parts, part, MR);
    }

    /** Depth blocks of {@link #KC} in a depth of {@code depth}. */
    private static int blocks(int depth) {
        return (depth + KC - 1) / KC;
    }

    private void ensureSharedB(int columnPanels) {
        int bFloats = blocks(k) * KC * columnPanels * NR;
        if (sharedB.length < LineAligned.OFFSET + bFloats) {
            sharedB = LineAligned.allocate(bFloats);
        }
    }

    @Override
    public void run(int part, int parts) {
        switch (phase) {
            case OWN_PACKING -> multiplyPart(part, parts);
            case PACK_SHARED -> packShared(part, parts);
            case MULTIPLY_SHARED -> multiplyChunks(part);
        }
    }

    /**
     * Packs this part's share of the whole of op(B): depth block {@code b} starts at
     * {@code OFFSET + b·KC·(padded n)} in {@link #sharedB}, holding its panels in order, as {@link #packB}
     * lays them out.
     */
    private void packShared(int part, int parts) {
        int columnStart = ThreadTeam.split(n, parts, part, NR);
        int columnEnd = ThreadTeam.split(n, parts, part + 1, NR);
        int paddedN = (n + NR - 1) / NR * NR;
        for (int pc = 0; columnEnd > columnStart && pc < k; pc += KC) {
            int kc = Math.min(KC, k - pc);
            packB(sharedB, LineAligned.OFFSET + pc * paddedN + columnStart * kc, pc, kc, columnStart,
                    columnEnd - columnStart);
        }
    }

    /** Multiplies this part's fixed share of the outputs, packing each block of the operands itself. */
    private void multiplyPart(int part, int parts) {
        if (splitColumns) {
            multiplyRange(part, false, 0, m,
                    ThreadTeam.split(n, parts, part, NR), ThreadTeam.split(n, parts, part + 1, NR));
        } else {
            multiplyRange(part, false,
                    firstRow(m, parts, part), firstRow(m, parts, part + 1), 0, n);
        }
    }

    /** Takes chunks of the outputs until none is left and multiplies them from the shared packed operands. */
    private void multiplyChunks(int part) {
        int panel = splitColumns ? NR : MR, extent = splitColumns ? n : m;
        for (int chunk = nextChunk.getAndIncrement(); chunk < chunks; chunk = nextChunk.getAndIncrement()) {
            // Chunks taken one after the other are computed at the same time: taking them alternately
            // from both ends keeps them apart, so two threads do not write the cache lines that
            // straddle the border of two adjacent chunks' outputs at once (C is not line-aligned).
            int position = (chunk & 1) == 0 ? chunk >> 1 : chunks - 1 - (chunk >> 1);
            int start = position * chunkPanels * panel, end = Math.min(extent, start + chunkPanels * panel);
            if (splitColumns) {
                multiplyRange(part, true, 0, m, start, end);
            } else {
                multiplyRange(part, true, start, end, 0, n);
            }
        }
    }

    /**
     * Multiplies the outputs {@code [rowStart, rowEnd) × [columnStart, columnEnd)}: by the B that
     * {@link #packShared} packed when {@code shared}, otherwise packing each block of B into this part's
     * own buffer first; a partial last panel of A is always copied into this part's own buffer.
     */
    private void multiplyRange(int part, boolean shared, int rowStart, int rowEnd, int columnStart, int columnEnd) {
        int paddedN = (n + NR - 1) / NR * NR;
        float[] pa = packedA[part];
        float[] pb = shared ? sharedB : packedB[part];
        for (int jc = columnStart; jc < columnEnd; jc += NC) {
            int nc = Math.min(NC, columnEnd - jc);
            for (int pc = 0; pc < k; pc += KC) {
                int kc = Math.min(KC, k - pc);
                int bAt = LineAligned.OFFSET + (shared ? pc * paddedN + jc * kc : 0);
                if (!shared) {
                    packB(pb, bAt, pc, kc, jc, nc);
                }
                for (int ic = rowStart; ic < rowEnd; ic += MC) {
                    int mc = Math.min(MC, rowEnd - ic);
                    int fullRows = mc / MR * MR;
                    if (fullRows < mc) {
                        // Whole panels are read where they lie; a partial one needs its zero padding.
                        packPartialAPanel(pa, ic + fullRows, mc - fullRows, pc, kc);
                    }
                    multiplyBlock(part, pa, ic, mc, pb, bAt, jc, nc, pc, kc);
                }
            }
        }
        if (k == 0) {
            for (int i = rowStart; i < rowEnd; i++) {
                int row = cOff + i * ldc;
                java.util.Arrays.fill(c, row + columnStart, row + columnEnd, 0f);
            }
            if (stored == null) {
                epilogue(rowStart, rowEnd, columnStart, columnEnd);
            }
        }
        if (stored != null) {
            storeTransposed(rowStart, rowEnd, columnStart, columnEnd);
        }
    }

    /**
     * Multiplies rows {@code [ic, ic+mc)} by packed columns {@code [jc, jc+nc)} (panels from
     * {@code pb[bAt]}) over depth block {@code [pc, pc+kc)}, going on from the earlier blocks' sums in C, and
     * completes the outputs after the last block. The micro-kernel reads whole panels of A where they
     * lie, and a last panel of fewer than MR rows from {@code pa}, where {@link #multiplyRange} copied it.
     */
    private void multiplyBlock(int part, float[] pa, int ic, int mc,
                               float[] pb, int bAt, int jc, int nc, int pc, int kc) {
        // Where A's rows and depths lie.
        int aStep = aTransposed ? lda : 1, aRow = aTransposed ? 1 : lda;
        boolean accumulate = pc > 0;
        boolean last = pc + kc == k;
        float[] tile = tiles[part];
        for (int jr = 0; jr < nc; jr += NR) {
            int j = jc + jr;
            for (int ir = 0; ir < mc; ir += MR) {
                int i = ic + ir;
                int rows = Math.min(MR, mc - ir), cols = Math.min(NR, nc - jr);
                // After the first depth block the micro-kernel goes on from the sums in C, so that each
                // output is one chain of multiply-adds over the whole depth, as in the scalar kernels.
                float[] sums = ZEROS;
                int sumsAt = 0, sumsRow = NR;
                if (accumulate && rows == MR && cols == NR) {
                    sums = c;
                    sumsAt = cOff + i * ldc + j;
                    sumsRow = ldc;
                } else if (accumulate) {
                    loadTile(tile, i, rows, j, cols);
                    sums = tile;
                    sumsRow = NR;
                }
                if (rows < MR) {
                    microKernel(kc, pa, 0, MR, 1, pb, bAt + jr * kc, tile, cols, sums, sumsAt, sumsRow);
                } else {
                    microKernel(kc, a, aOff + i * aRow + pc * aStep, aStep, aRow, pb, bAt + jr * kc, tile, cols,
                            sums, sumsAt, sumsRow);
                }
                storeTile(tile, i, rows, j, cols);
                if (last && stored == null) {
                    epilogue(i, i + rows, j, j + cols);
                }
            }
        }
    }

    /** Copies the {@code rows × cols} sums of C at {@code (i, j)} into a micro-tile (row stride NR). */
    private void loadTile(float[] tile, int i, int rows, int j, int cols) {
        for (int r = 0; r < rows; r++) {
            System.arraycopy(c, cOff + (i + r) * ldc + j, tile, r * NR, cols);
        }
    }

    /** Writes the {@code rows × cols} outputs of a micro-tile to C at {@code (i, j)}. */
    private void storeTile(float[] tile, int i, int rows, int j, int cols) {
        for (int r = 0; r < rows; r++) {
            int row = cOff + (i + r) * ldc + j, t = r * NR;
            if (cols == NR) {
                for (int v = 0; v < NR; v += VLEN) {
                    FloatVector.fromArray(SPECIES, tile, t + v).intoArray(c, row + v);
                }
            } else {
                System.arraycopy(tile, t, c, row, cols);
            }
        }
    }

    /**
     * Completes the finished outputs {@code [i0, i1) × [j0, j1)}: the bias, then the activation; or the
     * activation derivative.
     */
    private void epilogue(int i0, int i1, int j0, int j1) {
        if (bias == null && activation == null && derivative == null) {
            return;
        }
        for (int i = i0; i < i1; i++) {
            int row = cOff + i * ldc + j0;
            complete(c, row, j0, j1 - j0, actOff + i * ldc + j0);
            if (derivative != null) {
                Elementwise.cheapActivationBackward(derivative, derivativeZ, derivativeA, c, row, row + j1 - j0);
            }
        }
    }

    /**
     * Adds the bias of columns {@code [j0, j0+cols)} to the outputs at {@code out[at]}, then writes their
     * activation at {@code act[actAt]}.
     */
    private void complete(float[] out, int at, int j0, int cols, int actAt) {
        complete(out, at, bias, biasOff + j0, cols, activation, act, actAt);
    }

    /**
     * Adds {@code bias[biasAt..]} to the {@code cols} outputs at {@code out[at]} (null: no bias), then writes
     * {@code f} of them at {@code act[actAt]} ({@code f} piecewise linear, or null: none).
     */
    static void complete(float[] out, int at, float[] bias, int biasAt, int cols, Activation f, float[] act,
                         int actAt) {
        if (bias != null) {
            int j = 0;
            for (int bound = SPECIES.loopBound(cols); j < bound; j += VLEN) {
                FloatVector.fromArray(SPECIES, out, at + j).add(FloatVector.fromArray(SPECIES, bias, biasAt + j))
                        .intoArray(out, at + j);
            }
            for (; j < cols; j++) {
                out[at + j] += bias[biasAt + j];
            }
        }
        if (f != null) {
            Elementwise.piecewiseLinearForward(f, out, at, act, actAt, cols);
        }
    }

    /**
     * Stores the finished sums {@code [i0, i1) × [j0, j1)} of a product computed transposed: C's row i is
     * column i of {@link #stored}, transposed in blocks of VLEN × VLEN in registers, then completes them
     * there, a stored row at a time.
     */
    private void storeTransposed(int i0, int i1, int j0, int j1) {
        int rows = i1 - i0, cols = j1 - j0;
        int vectorRows = rows / VLEN * VLEN, vectorCols = cols / VLEN * VLEN;
        for (int j = 0; j < vectorCols; j += VLEN) {
            int from = cOff + i0 * ldc + j0 + j, at = storedOff + (j0 + j) * storedLd + i0;
            transposeBlocks(c, from, ldc, VLEN * ldc, stored, at, storedLd, VLEN, vectorRows / VLEN);
            transposeScalar(c, from + vectorRows * ldc, ldc, stored, at + vectorRows, storedLd, rows - vectorRows,
                    VLEN);
        }
        transposeScalar(c, cOff + i0 * ldc + j0 + vectorCols, ldc, stored,
                storedOff + (j0 + vectorCols) * storedLd + i0, storedLd, rows, cols - vectorCols);
        if (bias != null || activation != null) {
            for (int j = j0; j < j1; j++) {
                complete(stored, storedOff + j * storedLd + i0, i0, rows, actOff + j * storedLd + i0);
            }
        }
    }

    /**
     * The last panel of a block with fewer than MR rows, rows {@code [i, i+rows)} × depth
     * {@code [p0, p0+kc)} of op(A), zero-padded to MR, into {@code dst} from 0 in the micro-kernel's
     * packed order ({@code (aStep, aRow) = (MR, 1)}).
     */
    private void packPartialAPanel(float[] dst, int i, int rows, int p0, int kc) {
        for (int p = 0; p < kc; p++) {
            int d = p * MR;
            for (int r = 0; r < rows; r++) {
                dst[d + r] = aTransposed ? a[aOff + (p0 + p) * lda + i + r] : a[aOff + (i + r) * lda + p0 + p];
            }
            for (int r = rows; r < MR; r++) {
                dst[d + r] = 0f;
            }
        }
    }

    /**
     * Packs depth {@code [p0, p0+kc)} × columns {@code [j0, j0+nc)} of op(B) as NR-column panels, from
     * {@code dst[dstAt]} on.
     */
    private void packB(float[] dst, int dstAt, int p0, int kc, int j0, int nc) {
        int fullColumns = bTransposed ? 0 : nc / NR * NR;
        if (fullColumns > 0) {
            packBRows(dst, dstAt, p0, kc, j0, fullColumns);
        }
        for (int jp = fullColumns; jp < nc; jp += NR) {
            int panel = dstAt + jp * kc;
            int cols = Math.min(NR, nc - jp);
            if (bTransposed) {
                packTransposedBPanel(dst, panel, p0, kc, j0 + jp, cols);
            } else {
                for (int p = 0; p < kc; p++) {
                    int src = bOff + (p0 + p) * ldb + j0 + jp;
                    int d = panel + p * NR;
                    System.arraycopy(b, src, dst, d, cols);
                    java.util.Arrays.fill(dst, d + cols, d + NR, 0f);
                }
            }
        }
    }

    /**
     * The full panels of a non-transposed B, {@code columns} a multiple of NR: one source row at a time
     * across all panels, so the reads run along rows, which the hardware prefetcher follows (a panel at
     * a time reads NR floats per row a whole row stride apart, often a page, and stalls on each).
     */
    private void packBRows(float[] dst, int dstAt, int p0, int kc, int j0, int columns) {
        int panelStride = kc * NR;
        for (int p = 0, src = bOff + p0 * ldb + j0, row = dstAt; p < kc; p++, src += ldb, row += NR) {
            for (int jp = 0, d = row; jp < columns; jp += NR, d += panelStride) {
                for (int v = 0; v < NR; v += VLEN) {
                    FloatVector.fromArray(SPECIES, b, src + jp + v).intoArray(dst, d + v);
                }
            }
        }
    }

    /**
     * One panel of a transposed B: panel row {@code p} is source column {@code p0 + p} of source rows
     * {@code [j, j+cols)}. Square blocks of VLEN rows × VLEN depths are transposed in registers, so each
     * source cache line is read once, whole, and each panel line written once (strided scalar reads
     * would revisit up to NR source lines, which conflict in L1 when the row stride is a power of two).
     */
    private void packTransposedBPanel(float[] dst, int panel, int p0, int kc, int j, int cols) {
        int vectorCols = cols / VLEN * VLEN, vectorDepth = SPECIES.loopBound(kc);
        for (int q = 0; q < vectorCols; q += VLEN) {
            int src = bOff + (j + q) * ldb + p0;
            transposeBlocks(b, src, ldb, VLEN, dst, panel + q, NR, VLEN * NR, vectorDepth / VLEN);
            transposeScalar(b, src + vectorDepth, ldb, dst, panel + vectorDepth * NR + q, NR, VLEN,
                    kc - vectorDepth);
        }
        transposeScalar(b, bOff + (j + vectorCols) * ldb + p0, ldb, dst, panel + vectorCols, NR, cols - vectorCols,
                kc);
        if (cols < NR) {
            for (int p = 0; p < kc; p++) {
                java.util.Arrays.fill(dst, panel + p * NR + cols, panel + (p + 1) * NR, 0f);
            }
        }
    }

    /**
     * Transposes {@code blocks} squares of VLEN × VLEN: {@code dst[at + p·dstLd + q] = src[from + q·ld + p]}
     * for {@code p, q < VLEN}, {@code from} and {@code at} advancing by {@code fromStep} and {@code atStep}
     * from one square to the next. (A square per call: with the loop inside the transposing method, the
     * Linear forward ran 3–5% slower.)
     */
    static void transposeBlocks(float[] src, int from, int ld, int fromStep, float[] dst, int at, int dstLd,
                                        int atStep, int blocks) {
        for (int block = 0; block < blocks; block++, from += fromStep, at += atStep) {
            if (VLEN == 16) {
                transpose16(src, from, ld, dst, at, dstLd);
            } else if (VLEN == 8) {
                transpose8(src, from, ld, dst, at, dstLd);
            } else {
                transposeScalar(src, from, ld, dst, at, dstLd, VLEN, VLEN);
            }
        }
    }

    /**
     * {@code dst[at + p·dstLd + q] = src[from + q·ld + p]} for {@code p, q < 16} (16 lanes): 16 rows loaded,
     * transposed in 4 stages that each swap the off-diagonal halves of every block of 2·s rows
     * (a lane rotation and a blend per vector), then stored as rows {@code dstLd} apart.
     */
    private static void transpose16(float[] src, int from, int ld, float[] dst, int at, int dstLd) {
        FloatVector r0 = FloatVector.fromArray(SPECIES, src, from);
        FloatVector r1 = FloatVector.fromArray(SPECIES, src, from + ld);
        FloatVector r2 = FloatVector.fromArray(SPECIES, src, from + 2 * ld);
        FloatVector r3 = FloatVector.fromArray(SPECIES, src, from + 3 * ld);
        FloatVector r4 = FloatVector.fromArray(SPECIES, src, from + 4 * ld);
        FloatVector r5 = FloatVector.fromArray(SPECIES, src, from + 5 * ld);
        FloatVector r6 = FloatVector.fromArray(SPECIES, src, from + 6 * ld);
        FloatVector r7 = FloatVector.fromArray(SPECIES, src, from + 7 * ld);
        FloatVector r8 = FloatVector.fromArray(SPECIES, src, from + 8 * ld);
        FloatVector r9 = FloatVector.fromArray(SPECIES, src, from + 9 * ld);
        FloatVector r10 = FloatVector.fromArray(SPECIES, src, from + 10 * ld);
        FloatVector r11 = FloatVector.fromArray(SPECIES, src, from + 11 * ld);
        FloatVector r12 = FloatVector.fromArray(SPECIES, src, from + 12 * ld);
        FloatVector r13 = FloatVector.fromArray(SPECIES, src, from + 13 * ld);
        FloatVector r14 = FloatVector.fromArray(SPECIES, src, from + 14 * ld);
        FloatVector r15 = FloatVector.fromArray(SPECIES, src, from + 15 * ld);
        FloatVector t;
        t = r0.blend(r8.rearrange(BACK_8), LANES_8);
        r8 = r0.rearrange(AHEAD_8).blend(r8, LANES_8);
        r0 = t;
        t = r1.blend(r9.rearrange(BACK_8), LANES_8);
        r9 = r1.rearrange(AHEAD_8).blend(r9, LANES_8);
        r1 = t;
        t = r2.blend(r10.rearrange(BACK_8), LANES_8);
        r10 = r2.rearrange(AHEAD_8).blend(r10, LANES_8);
        r2 = t;
        t = r3.blend(r11.rearrange(BACK_8), LANES_8);
        r11 = r3.rearrange(AHEAD_8).blend(r11, LANES_8);
        r3 = t;
        t = r4.blend(r12.rearrange(BACK_8), LANES_8);
        r12 = r4.rearrange(AHEAD_8).blend(r12, LANES_8);
        r4 = t;
        t = r5.blend(r13.rearrange(BACK_8), LANES_8);
        r13 = r5.rearrange(AHEAD_8).blend(r13, LANES_8);
        r5 = t;
        t = r6.blend(r14.rearrange(BACK_8), LANES_8);
        r14 = r6.rearrange(AHEAD_8).blend(r14, LANES_8);
        r6 = t;
        t = r7.blend(r15.rearrange(BACK_8), LANES_8);
        r15 = r7.rearrange(AHEAD_8).blend(r15, LANES_8);
        r7 = t;
        t = r0.blend(r4.rearrange(BACK_4), LANES_4);
        r4 = r0.rearrange(AHEAD_4).blend(r4, LANES_4);
        r0 = t;
        t = r1.blend(r5.rearrange(BACK_4), LANES_4);
        r5 = r1.rearrange(AHEAD_4).blend(r5, LANES_4);
        r1 = t;
        t = r2.blend(r6.rearrange(BACK_4), LANES_4);
        r6 = r2.rearrange(AHEAD_4).blend(r6, LANES_4);
        r2 = t;
        t = r3.blend(r7.rearrange(BACK_4), LANES_4);
        r7 = r3.rearrange(AHEAD_4).blend(r7, LANES_4);
        r3 = t;
        t = r8.blend(r12.rearrange(BACK_4), LANES_4);
        r12 = r8.rearrange(AHEAD_4).blend(r12, LANES_4);
        r8 = t;
        t = r9.blend(r13.rearrange(BACK_4), LANES_4);
        r13 = r9.rearrange(AHEAD_4).blend(r13, LANES_4);
        r9 = t;
        t = r10.blend(r14.rearrange(BACK_4), LANES_4);
        r14 = r10.rearrange(AHEAD_4).blend(r14, LANES_4);
        r10 = t;
        t = r11.blend(r15.rearrange(BACK_4), LANES_4);
        r15 = r11.rearrange(AHEAD_4).blend(r15, LANES_4);
        r11 = t;
        t = r0.blend(r2.rearrange(BACK_2), LANES_2);
        r2 = r0.rearrange(AHEAD_2).blend(r2, LANES_2);
        r0 = t;
        t = r1.blend(r3.rearrange(BACK_2), LANES_2);
        r3 = r1.rearrange(AHEAD_2).blend(r3, LANES_2);
        r1 = t;
        t = r4.blend(r6.rearrange(BACK_2), LANES_2);
        r6 = r4.rearrange(AHEAD_2).blend(r6, LANES_2);
        r4 = t;
        t = r5.blend(r7.rearrange(BACK_2), LANES_2);
        r7 = r5.rearrange(AHEAD_2).blend(r7, LANES_2);
        r5 = t;
        t = r8.blend(r10.rearrange(BACK_2), LANES_2);
        r10 = r8.rearrange(AHEAD_2).blend(r10, LANES_2);
        r8 = t;
        t = r9.blend(r11.rearrange(BACK_2), LANES_2);
        r11 = r9.rearrange(AHEAD_2).blend(r11, LANES_2);
        r9 = t;
        t = r12.blend(r14.rearrange(BACK_2), LANES_2);
        r14 = r12.rearrange(AHEAD_2).blend(r14, LANES_2);
        r12 = t;
        t = r13.blend(r15.rearrange(BACK_2), LANES_2);
        r15 = r13.rearrange(AHEAD_2).blend(r15, LANES_2);
        r13 = t;
        t = r0.blend(r1.rearrange(BACK_1), LANES_1);
        r1 = r0.rearrange(AHEAD_1).blend(r1, LANES_1);
        r0 = t;
        t = r2.blend(r3.rearrange(BACK_1), LANES_1);
        r3 = r2.rearrange(AHEAD_1).blend(r3, LANES_1);
        r2 = t;
        t = r4.blend(r5.rearrange(BACK_1), LANES_1);
        r5 = r4.rearrange(AHEAD_1).blend(r5, LANES_1);
        r4 = t;
        t = r6.blend(r7.rearrange(BACK_1), LANES_1);
        r7 = r6.rearrange(AHEAD_1).blend(r7, LANES_1);
        r6 = t;
        t = r8.blend(r9.rearrange(BACK_1), LANES_1);
        r9 = r8.rearrange(AHEAD_1).blend(r9, LANES_1);
        r8 = t;
        t = r10.blend(r11.rearrange(BACK_1), LANES_1);
        r11 = r10.rearrange(AHEAD_1).blend(r11, LANES_1);
        r10 = t;
        t = r12.blend(r13.rearrange(BACK_1), LANES_1);
        r13 = r12.rearrange(AHEAD_1).blend(r13, LANES_1);
        r12 = t;
        t = r14.blend(r15.rearrange(BACK_1), LANES_1);
        r15 = r14.rearrange(AHEAD_1).blend(r15, LANES_1);
        r14 = t;
        r0.intoArray(dst, at);
        r1.intoArray(dst, at + dstLd);
        r2.intoArray(dst, at + 2 * dstLd);
        r3.intoArray(dst, at + 3 * dstLd);
        r4.intoArray(dst, at + 4 * dstLd);
        r5.intoArray(dst, at + 5 * dstLd);
        r6.intoArray(dst, at + 6 * dstLd);
        r7.intoArray(dst, at + 7 * dstLd);
        r8.intoArray(dst, at + 8 * dstLd);
        r9.intoArray(dst, at + 9 * dstLd);
        r10.intoArray(dst, at + 10 * dstLd);
        r11.intoArray(dst, at + 11 * dstLd);
        r12.intoArray(dst, at + 12 * dstLd);
        r13.intoArray(dst, at + 13 * dstLd);
        r14.intoArray(dst, at + 14 * dstLd);
        r15.intoArray(dst, at + 15 * dstLd);
    }

    /**
     * {@code dst[at + p·dstLd + q] = src[from + q·ld + p]} for {@code p, q < 8} (8 lanes): 8 rows loaded,
     * transposed in 3 stages that each swap the off-diagonal
     * halves of every block of 2·s rows (a lane rotation and a blend per vector), then stored as rows
     * {@code dstLd} apart.
     */
    private static void transpose8(float[] src, int from, int ld, float[] dst, int at, int dstLd) {
        FloatVector r0 = FloatVector.fromArray(SPECIES, src, from);
        FloatVector r1 = FloatVector.fromArray(SPECIES, src, from + ld);
        FloatVector r2 = FloatVector.fromArray(SPECIES, src, from + 2 * ld);
        FloatVector r3 = FloatVector.fromArray(SPECIES, src, from + 3 * ld);
        FloatVector r4 = FloatVector.fromArray(SPECIES, src, from + 4 * ld);
        FloatVector r5 = FloatVector.fromArray(SPECIES, src, from + 5 * ld);
        FloatVector r6 = FloatVector.fromArray(SPECIES, src, from + 6 * ld);
        FloatVector r7 = FloatVector.fromArray(SPECIES, src, from + 7 * ld);
        FloatVector t;
        t = r0.blend(r4.rearrange(BACK_4), LANES_4);
        r4 = r0.rearrange(AHEAD_4).blend(r4, LANES_4);
        r0 = t;
        t = r1.blend(r5.rearrange(BACK_4), LANES_4);
        r5 = r1.rearrange(AHEAD_4).blend(r5, LANES_4);
        r1 = t;
        t = r2.blend(r6.rearrange(BACK_4), LANES_4);
        r6 = r2.rearrange(AHEAD_4).blend(r6, LANES_4);
        r2 = t;
        t = r3.blend(r7.rearrange(BACK_4), LANES_4);
        r7 = r3.rearrange(AHEAD_4).blend(r7, LANES_4);
        r3 = t;
        t = r0.blend(r2.rearrange(BACK_2), LANES_2);
        r2 = r0.rearrange(AHEAD_2).blend(r2, LANES_2);
        r0 = t;
        t = r1.blend(r3.rearrange(BACK_2), LANES_2);
        r3 = r1.rearrange(AHEAD_2).blend(r3, LANES_2);
        r1 = t;
        t = r4.blend(r6.rearrange(BACK_2), LANES_2);
        r6 = r4.rearrange(AHEAD_2).blend(r6, LANES_2);
        r4 = t;
        t = r5.blend(r7.rearrange(BACK_2), LANES_2);
        r7 = r5.rearrange(AHEAD_2).blend(r7, LANES_2);
        r5 = t;
        t = r0.blend(r1.rearrange(BACK_1), LANES_1);
        r1 = r0.rearrange(AHEAD_1).blend(r1, LANES_1);
        r0 = t;
        t = r2.blend(r3.rearrange(BACK_1), LANES_1);
        r3 = r2.rearrange(AHEAD_1).blend(r3, LANES_1);
        r2 = t;
        t = r4.blend(r5.rearrange(BACK_1), LANES_1);
        r5 = r4.rearrange(AHEAD_1).blend(r5, LANES_1);
        r4 = t;
        t = r6.blend(r7.rearrange(BACK_1), LANES_1);
        r7 = r6.rearrange(AHEAD_1).blend(r7, LANES_1);
        r6 = t;
        r0.intoArray(dst, at);
        r1.intoArray(dst, at + dstLd);
        r2.intoArray(dst, at + 2 * dstLd);
        r3.intoArray(dst, at + 3 * dstLd);
        r4.intoArray(dst, at + 4 * dstLd);
        r5.intoArray(dst, at + 5 * dstLd);
        r6.intoArray(dst, at + 6 * dstLd);
        r7.intoArray(dst, at + 7 * dstLd);
    }

    /** {@code dst[at + p·dstLd + q] = src[from + q·ld + p]} for {@code q < rows, p < depth}. */
    private static void transposeScalar(float[] src, int from, int ld, float[] dst, int at, int dstLd, int rows,
                                        int depth) {
        for (int q = 0; q < rows; q++) {
            for (int p = 0; p < depth; p++) {
                dst[at + p * dstLd + q] = src[from + q * ld + p];
            }
        }
    }

    /**
     * The {@code MR × NR} products of an A panel and a B panel over {@code kc} depths into {@code tile}
     * (row-major, rows of NR), of which the first {@code cols} columns are wanted. The sums start from
     * {@code sums[sumsAt]} (rows {@code sumsRow} apart): {@link #ZEROS} in the first depth block, then the
     * earlier blocks' sums (C itself for a whole tile, else a copy in the tile), so every output is one
     * chain of multiply-adds over the whole depth, in depth order: the scalar kernels' chain, bit for bit.
     * Starting from a zero tile rather than from zero vectors leaves the kernels without a branch: one
     * that the JIT warm-up never took would be compiled as a trap, and the first large product through it
     * would run its loop in the interpreter.
     * The panel's row {@code r} at depth {@code p} is {@code a[aAt + p·aStep + r·aRow]}: a packed panel
     * has {@code (aStep, aRow) = (MR, 1)}, an A read where it lies {@code (1, lda)}, or {@code (lda, 1)}
     * transposed. Writing a private tile at constant offsets, rather than C at the caller's offsets,
     * leaves C2 enough registers to keep the loop's indexes out of memory (the sums' offsets are dead
     * once the loop starts). A panel's zero padding is not multiplied when fewer vectors cover its
     * columns (the last panel of an odd width: 10 classes take one vector, not four); every output is
     * still the same chain, so its bits do not depend on the kernel that computed it.
     */
    private static void microKernel(int kc, float[] a, int aAt, int aStep, int aRow, float[] pb, int bAt, float[] tile,
                                    int cols, float[] sums, int sumsAt, int sumsRow) {
        if (cols <= VLEN) {
            kernel6x1(kc, a, aAt, aStep, aRow, pb, bAt, tile, sums, sumsAt, sumsRow);
        } else if (cols <= 2 * VLEN) { // always, with 256-bit vectors (NR = 2 · VLEN)
            kernel6x2(kc, a, aAt, aStep, aRow, pb, bAt, tile, sums, sumsAt, sumsRow);
        } else if (cols <= 3 * VLEN) {
            kernel6x3(kc, a, aAt, aStep, aRow, pb, bAt, tile, sums, sumsAt, sumsRow);
        } else {
            kernel6x4(kc, a, aAt, aStep, aRow, pb, bAt, tile, sums, sumsAt, sumsRow);
        }
    }

    /** The 512-bit micro-kernel: 6 rows × 4 vectors, 24 accumulators (of 32 registers). */
    private static void kernel6x4(int kc, float[] a, int aAt, int aStep, int aRow, float[] pb, int bAt, float[] tile,
                                  float[] sums, int sumsAt, int sumsRow) {
        int aRow2 = 2 * aRow, aRow3 = 3 * aRow, aRow4 = 4 * aRow, aRow5 = 5 * aRow;
        FloatVector c00 = FloatVector.fromArray(SPECIES, sums, sumsAt);
        FloatVector c01 = FloatVector.fromArray(SPECIES, sums, sumsAt + VLEN);
        FloatVector c02 = FloatVector.fromArray(SPECIES, sums, sumsAt + 2 * VLEN);
        FloatVector c03 = FloatVector.fromArray(SPECIES, sums, sumsAt + 3 * VLEN);
        FloatVector c10 = FloatVector.fromArray(SPECIES, sums, sumsAt + sumsRow);
        FloatVector c11 = FloatVector.fromArray(SPECIES, sums, sumsAt + sumsRow + VLEN);
        FloatVector c12 = FloatVector.fromArray(SPECIES, sums, sumsAt + sumsRow + 2 * VLEN);
        FloatVector c13 = FloatVector.fromArray(SPECIES, sums, sumsAt + sumsRow + 3 * VLEN);
        FloatVector c20 = FloatVector.fromArray(SPECIES, sums, sumsAt + 2 * sumsRow);
        FloatVector c21 = FloatVector.fromArray(SPECIES, sums, sumsAt + 2 * sumsRow + VLEN);
        FloatVector c22 = FloatVector.fromArray(SPECIES, sums, sumsAt + 2 * sumsRow + 2 * VLEN);
        FloatVector c23 = FloatVector.fromArray(SPECIES, sums, sumsAt + 2 * sumsRow + 3 * VLEN);
        FloatVector c30 = FloatVector.fromArray(SPECIES, sums, sumsAt + 3 * sumsRow);
        FloatVector c31 = FloatVector.fromArray(SPECIES, sums, sumsAt + 3 * sumsRow + VLEN);
        FloatVector c32 = FloatVector.fromArray(SPECIES, sums, sumsAt + 3 * sumsRow + 2 * VLEN);
        FloatVector c33 = FloatVector.fromArray(SPECIES, sums, sumsAt + 3 * sumsRow + 3 * VLEN);
        FloatVector c40 = FloatVector.fromArray(SPECIES, sums, sumsAt + 4 * sumsRow);
        FloatVector c41 = FloatVector.fromArray(SPECIES, sums, sumsAt + 4 * sumsRow + VLEN);
        FloatVector c42 = FloatVector.fromArray(SPECIES, sums, sumsAt + 4 * sumsRow + 2 * VLEN);
        FloatVector c43 = FloatVector.fromArray(SPECIES, sums, sumsAt + 4 * sumsRow + 3 * VLEN);
        FloatVector c50 = FloatVector.fromArray(SPECIES, sums, sumsAt + 5 * sumsRow);
        FloatVector c51 = FloatVector.fromArray(SPECIES, sums, sumsAt + 5 * sumsRow + VLEN);
        FloatVector c52 = FloatVector.fromArray(SPECIES, sums, sumsAt + 5 * sumsRow + 2 * VLEN);
        FloatVector c53 = FloatVector.fromArray(SPECIES, sums, sumsAt + 5 * sumsRow + 3 * VLEN);
        // The offsets advance by addition, the B one counting the loop (so C2 hoists the B loads' bounds
        // checks). Recomputed from a depth counter each step, they cost about as many issue slots as the
        // 256-bit kernel's 12 multiply-adds, which then ran at about one per cycle.
        for (int bi = bAt, ai = aAt, bEnd = bAt + kc * NR; bi < bEnd; bi += NR, ai += aStep) {
            FloatVector b0 = FloatVector.fromArray(SPECIES, pb, bi);
            FloatVector b1 = FloatVector.fromArray(SPECIES, pb, bi + VLEN);
            FloatVector b2 = FloatVector.fromArray(SPECIES, pb, bi + 2 * VLEN);
            FloatVector b3 = FloatVector.fromArray(SPECIES, pb, bi + 3 * VLEN);
            FloatVector av = FloatVector.broadcast(SPECIES, a[ai]);
            c00 = av.fma(b0, c00);
            c01 = av.fma(b1, c01);
            c02 = av.fma(b2, c02);
            c03 = av.fma(b3, c03);
            av = FloatVector.broadcast(SPECIES, a[ai + aRow]);
            c10 = av.fma(b0, c10);
            c11 = av.fma(b1, c11);
            c12 = av.fma(b2, c12);
            c13 = av.fma(b3, c13);
            av = FloatVector.broadcast(SPECIES, a[ai + aRow2]);
            c20 = av.fma(b0, c20);
            c21 = av.fma(b1, c21);
            c22 = av.fma(b2, c22);
            c23 = av.fma(b3, c23);
            av = FloatVector.broadcast(SPECIES, a[ai + aRow3]);
            c30 = av.fma(b0, c30);
            c31 = av.fma(b1, c31);
            c32 = av.fma(b2, c32);
            c33 = av.fma(b3, c33);
            av = FloatVector.broadcast(SPECIES, a[ai + aRow4]);
            c40 = av.fma(b0, c40);
            c41 = av.fma(b1, c41);
            c42 = av.fma(b2, c42);
            c43 = av.fma(b3, c43);
            av = FloatVector.broadcast(SPECIES, a[ai + aRow5]);
            c50 = av.fma(b0, c50);
            c51 = av.fma(b1, c51);
            c52 = av.fma(b2, c52);
            c53 = av.fma(b3, c53);
        }
        c00.intoArray(tile, 0);
        c01.intoArray(tile, VLEN);
        c02.intoArray(tile, 2 * VLEN);
        c03.intoArray(tile, 3 * VLEN);
        c10.intoArray(tile, 1 * NR);
        c11.intoArray(tile, 1 * NR + VLEN);
        c12.intoArray(tile, 1 * NR + 2 * VLEN);
        c13.intoArray(tile, 1 * NR + 3 * VLEN);
        c20.intoArray(tile, 2 * NR);
        c21.intoArray(tile, 2 * NR + VLEN);
        c22.intoArray(tile, 2 * NR + 2 * VLEN);
        c23.intoArray(tile, 2 * NR + 3 * VLEN);
        c30.intoArray(tile, 3 * NR);
        c31.intoArray(tile, 3 * NR + VLEN);
        c32.intoArray(tile, 3 * NR + 2 * VLEN);
        c33.intoArray(tile, 3 * NR + 3 * VLEN);
        c40.intoArray(tile, 4 * NR);
        c41.intoArray(tile, 4 * NR + VLEN);
        c42.intoArray(tile, 4 * NR + 2 * VLEN);
        c43.intoArray(tile, 4 * NR + 3 * VLEN);
        c50.intoArray(tile, 5 * NR);
        c51.intoArray(tile, 5 * NR + VLEN);
        c52.intoArray(tile, 5 * NR + 2 * VLEN);
        c53.intoArray(tile, 5 * NR + 3 * VLEN);
    }

    /** The 512-bit micro-kernel for a panel whose columns fit three vectors: 6 rows × 3 vectors. */
    private static void kernel6x3(int kc, float[] a, int aAt, int aStep, int aRow, float[] pb, int bAt, float[] tile,
                                  float[] sums, int sumsAt, int sumsRow) {
        int aRow2 = 2 * aRow, aRow3 = 3 * aRow, aRow4 = 4 * aRow, aRow5 = 5 * aRow;
        FloatVector c00 = FloatVector.fromArray(SPECIES, sums, sumsAt);
        FloatVector c01 = FloatVector.fromArray(SPECIES, sums, sumsAt + VLEN);
        FloatVector c02 = FloatVector.fromArray(SPECIES, sums, sumsAt + 2 * VLEN);
        FloatVector c10 = FloatVector.fromArray(SPECIES, sums, sumsAt + sumsRow);
        FloatVector c11 = FloatVector.fromArray(SPECIES, sums, sumsAt + sumsRow + VLEN);
        FloatVector c12 = FloatVector.fromArray(SPECIES, sums, sumsAt + sumsRow + 2 * VLEN);
        FloatVector c20 = FloatVector.fromArray(SPECIES, sums, sumsAt + 2 * sumsRow);
        FloatVector c21 = FloatVector.fromArray(SPECIES, sums, sumsAt + 2 * sumsRow + VLEN);
        FloatVector c22 = FloatVector.fromArray(SPECIES, sums, sumsAt + 2 * sumsRow + 2 * VLEN);
        FloatVector c30 = FloatVector.fromArray(SPECIES, sums, sumsAt + 3 * sumsRow);
        FloatVector c31 = FloatVector.fromArray(SPECIES, sums, sumsAt + 3 * sumsRow + VLEN);
        FloatVector c32 = FloatVector.fromArray(SPECIES, sums, sumsAt + 3 * sumsRow + 2 * VLEN);
        FloatVector c40 = FloatVector.fromArray(SPECIES, sums, sumsAt + 4 * sumsRow);
        FloatVector c41 = FloatVector.fromArray(SPECIES, sums, sumsAt + 4 * sumsRow + VLEN);
        FloatVector c42 = FloatVector.fromArray(SPECIES, sums, sumsAt + 4 * sumsRow + 2 * VLEN);
        FloatVector c50 = FloatVector.fromArray(SPECIES, sums, sumsAt + 5 * sumsRow);
        FloatVector c51 = FloatVector.fromArray(SPECIES, sums, sumsAt + 5 * sumsRow + VLEN);
        FloatVector c52 = FloatVector.fromArray(SPECIES, sums, sumsAt + 5 * sumsRow + 2 * VLEN);
        // The B offset is the loop counter: see kernel6x4.
        for (int bi = bAt, ai = aAt, bEnd = bAt + kc * NR; bi < bEnd; bi += NR, ai += aStep) {
            FloatVector b0 = FloatVector.fromArray(SPECIES, pb, bi);
            FloatVector b1 = FloatVector.fromArray(SPECIES, pb, bi + VLEN);
            FloatVector b2 = FloatVector.fromArray(SPECIES, pb, bi + 2 * VLEN);
            FloatVector av = FloatVector.broadcast(SPECIES, a[ai]);
            c00 = av.fma(b0, c00);
            c01 = av.fma(b1, c01);
            c02 = av.fma(b2, c02);
            av = FloatVector.broadcast(SPECIES, a[ai + aRow]);
            c10 = av.fma(b0, c10);
            c11 = av.fma(b1, c11);
            c12 = av.fma(b2, c12);
            av = FloatVector.broadcast(SPECIES, a[ai + aRow2]);
            c20 = av.fma(b0, c20);
            c21 = av.fma(b1, c21);
            c22 = av.fma(b2, c22);
            av = FloatVector.broadcast(SPECIES, a[ai + aRow3]);
            c30 = av.fma(b0, c30);
            c31 = av.fma(b1, c31);
            c32 = av.fma(b2, c32);
            av = FloatVector.broadcast(SPECIES, a[ai + aRow4]);
            c40 = av.fma(b0, c40);
            c41 = av.fma(b1, c41);
            c42 = av.fma(b2, c42);
            av = FloatVector.broadcast(SPECIES, a[ai + aRow5]);
            c50 = av.fma(b0, c50);
            c51 = av.fma(b1, c51);
            c52 = av.fma(b2, c52);
        }
        c00.intoArray(tile, 0);
        c01.intoArray(tile, VLEN);
        c02.intoArray(tile, 2 * VLEN);
        c10.intoArray(tile, NR);
        c11.intoArray(tile, NR + VLEN);
        c12.intoArray(tile, NR + 2 * VLEN);
        c20.intoArray(tile, 2 * NR);
        c21.intoArray(tile, 2 * NR + VLEN);
        c22.intoArray(tile, 2 * NR + 2 * VLEN);
        c30.intoArray(tile, 3 * NR);
        c31.intoArray(tile, 3 * NR + VLEN);
        c32.intoArray(tile, 3 * NR + 2 * VLEN);
        c40.intoArray(tile, 4 * NR);
        c41.intoArray(tile, 4 * NR + VLEN);
        c42.intoArray(tile, 4 * NR + 2 * VLEN);
        c50.intoArray(tile, 5 * NR);
        c51.intoArray(tile, 5 * NR + VLEN);
        c52.intoArray(tile, 5 * NR + 2 * VLEN);
    }

    /** The micro-kernel for a panel whose columns fit one vector: 6 rows × 1 vector. */
    private static void kernel6x1(int kc, float[] a, int aAt, int aStep, int aRow, float[] pb, int bAt, float[] tile,
                                  float[] sums, int sumsAt, int sumsRow) {
        int aRow2 = 2 * aRow, aRow3 = 3 * aRow, aRow4 = 4 * aRow, aRow5 = 5 * aRow;
        FloatVector c0 = FloatVector.fromArray(SPECIES, sums, sumsAt);
        FloatVector c1 = FloatVector.fromArray(SPECIES, sums, sumsAt + sumsRow);
        FloatVector c2 = FloatVector.fromArray(SPECIES, sums, sumsAt + 2 * sumsRow);
        FloatVector c3 = FloatVector.fromArray(SPECIES, sums, sumsAt + 3 * sumsRow);
        FloatVector c4 = FloatVector.fromArray(SPECIES, sums, sumsAt + 4 * sumsRow);
        FloatVector c5 = FloatVector.fromArray(SPECIES, sums, sumsAt + 5 * sumsRow);
        // The B offset is the loop counter: see kernel6x4.
        for (int bi = bAt, ai = aAt, bEnd = bAt + kc * NR; bi < bEnd; bi += NR, ai += aStep) {
            FloatVector b0 = FloatVector.fromArray(SPECIES, pb, bi);
            c0 = FloatVector.broadcast(SPECIES, a[ai]).fma(b0, c0);
            c1 = FloatVector.broadcast(SPECIES, a[ai + aRow]).fma(b0, c1);
            c2 = FloatVector.broadcast(SPECIES, a[ai + aRow2]).fma(b0, c2);
            c3 = FloatVector.broadcast(SPECIES, a[ai + aRow3]).fma(b0, c3);
            c4 = FloatVector.broadcast(SPECIES, a[ai + aRow4]).fma(b0, c4);
            c5 = FloatVector.broadcast(SPECIES, a[ai + aRow5]).fma(b0, c5);
        }
        c0.intoArray(tile, 0);
        c1.intoArray(tile, NR);
        c2.intoArray(tile, 2 * NR);
        c3.intoArray(tile, 3 * NR);
        c4.intoArray(tile, 4 * NR);
        c5.intoArray(tile, 5 * NR);
    }

    /**
     * The micro-kernel for 256-bit and narrower vectors (16 registers), and for 512-bit panels whose
     * columns fit two vectors: 6 rows × 2 vectors.
     */
    private static void kernel6x2(int kc, float[] a, int aAt, int aStep, int aRow, float[] pb, int bAt, float[] tile,
                                  float[] sums, int sumsAt, int sumsRow) {
        int aRow2 = 2 * aRow, aRow3 = 3 * aRow, aRow4 = 4 * aRow, aRow5 = 5 * aRow;
        FloatVector c00 = FloatVector.fromArray(SPECIES, sums, sumsAt);
        FloatVector c01 = FloatVector.fromArray(SPECIES, sums, sumsAt + VLEN);
        FloatVector c10 = FloatVector.fromArray(SPECIES, sums, sumsAt + sumsRow);
        FloatVector c11 = FloatVector.fromArray(SPECIES, sums, sumsAt + sumsRow + VLEN);
        FloatVector c20 = FloatVector.fromArray(SPECIES, sums, sumsAt + 2 * sumsRow);
        FloatVector c21 = FloatVector.fromArray(SPECIES, sums, sumsAt + 2 * sumsRow + VLEN);
        FloatVector c30 = FloatVector.fromArray(SPECIES, sums, sumsAt + 3 * sumsRow);
        FloatVector c31 = FloatVector.fromArray(SPECIES, sums, sumsAt + 3 * sumsRow + VLEN);
        FloatVector c40 = FloatVector.fromArray(SPECIES, sums, sumsAt + 4 * sumsRow);
        FloatVector c41 = FloatVector.fromArray(SPECIES, sums, sumsAt + 4 * sumsRow + VLEN);
        FloatVector c50 = FloatVector.fromArray(SPECIES, sums, sumsAt + 5 * sumsRow);
        FloatVector c51 = FloatVector.fromArray(SPECIES, sums, sumsAt + 5 * sumsRow + VLEN);
        // The B offset is the loop counter: see kernel6x4.
        for (int bi = bAt, ai = aAt, bEnd = bAt + kc * NR; bi < bEnd; bi += NR, ai += aStep) {
            FloatVector b0 = FloatVector.fromArray(SPECIES, pb, bi);
            FloatVector b1 = FloatVector.fromArray(SPECIES, pb, bi + VLEN);
            FloatVector av = FloatVector.broadcast(SPECIES, a[ai]);
            c00 = av.fma(b0, c00);
            c01 = av.fma(b1, c01);
            av = FloatVector.broadcast(SPECIES, a[ai + aRow]);
            c10 = av.fma(b0, c10);
            c11 = av.fma(b1, c11);
            av = FloatVector.broadcast(SPECIES, a[ai + aRow2]);
            c20 = av.fma(b0, c20);
            c21 = av.fma(b1, c21);
            av = FloatVector.broadcast(SPECIES, a[ai + aRow3]);
            c30 = av.fma(b0, c30);
            c31 = av.fma(b1, c31);
            av = FloatVector.broadcast(SPECIES, a[ai + aRow4]);
            c40 = av.fma(b0, c40);
            c41 = av.fma(b1, c41);
            av = FloatVector.broadcast(SPECIES, a[ai + aRow5]);
            c50 = av.fma(b0, c50);
            c51 = av.fma(b1, c51);
        }
        c00.intoArray(tile, 0);
        c01.intoArray(tile, VLEN);
        c10.intoArray(tile, 1 * NR);
        c11.intoArray(tile, 1 * NR + VLEN);
        c20.intoArray(tile, 2 * NR);
        c21.intoArray(tile, 2 * NR + VLEN);
        c30.intoArray(tile, 3 * NR);
        c31.intoArray(tile, 3 * NR + VLEN);
        c40.intoArray(tile, 4 * NR);
        c41.intoArray(tile, 4 * NR + VLEN);
        c50.intoArray(tile, 5 * NR);
        c51.intoArray(tile, 5 * NR + VLEN);
    }

}
