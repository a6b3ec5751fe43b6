package dev.kiln.kernel;

import dev.kiln.Reduction;
import dev.kiln.thread.ThreadTeam;
import java.util.Arrays;

/**
 * Softmax cross-entropy on logits with PyTorch's exact semantics ({@code nn.CrossEntropyLoss}): class
 * weights, {@code ignore_index}, label smoothing, mean or sum, with class-index or probability targets.
 * The exponentials of a batch are computed first, all at once with {@link Kernels#exp} (vectorised;
 * each within an ulp, the difference from the row's maximum carried in two floats); then each row's
 * loss and gradient come out of one pass, the sums in double, the gradient's products in float (its
 * per-row factors in double). Every row loop is a {@link Kernels} row kernel, so it is vectorised where
 * the kernels are, with the same bits either way. PyTorch computes all of it in float32 and agrees to
 * rounding.
 *
 * <p>Immutable; safe to share between models.
 */
public final class CrossEntropy {
    /** Below this many logits a loss stays on the calling thread (each costs 10–25 ns). */
    static final long PARALLEL_VALUES = 1 << 15;
    private static final Object WORKSPACE = new Object();

    private final int classes;
    private final double smoothing;
    private final double[] weight;
    /** The same weights (float32 values, as PyTorch holds them) as floats, for the gradient. */
    private final float[] floatWeight;
    private final boolean weighted;
    private final double weightSum;
    private final int ignoreIndex;
    private final Reduction reduction;

    /**
     * @param weight per-class weights, or null for none
     * @throws IllegalArgumentException if smoothing is outside [0, 1] or weights do not fit
     */
    public CrossEntropy(int classes, double labelSmoothing, double[] weight, int ignoreIndex, Reduction reduction) {
        if (classes < 1) {
            throw new IllegalArgumentException("classes must be at least 1, got " + classes);
        }
        if (!(labelSmoothing >= 0 && labelSmoothing <= 1)) {
            throw new IllegalArgumentException("label smoothing must be in [0, 1], got " + labelSmoothing);
        }
        if (weight != null && weight.length != classes) {
            throw new IllegalArgumentException("weight must have one value per class (" + classes + "), got "
                    + weight.length);
        }
        this.classes = classes;
        this.smoothing = labelSmoothing;
        this.weighted = weight != null;
        this.weight = new double[classes];
        if (weight == null) {
            Arrays.fill(this.weight, 1.0);
        } else {
            // PyTorch holds the weight tensor in float32.
            for (int c = 0; c < classes; c++) {
                this.weight[c] = (float) weight[c];
            }
        }
        this.floatWeight = new float[classes];
        for (int c = 0; c < classes; c++) {
            floatWeight[c] = (float) this.weight[c];
        }
        double sum = 0;
        for (double w : this.weight) {
            sum += w;
        }
        this.weightSum = sum;
        this.ignoreIndex = ignoreIndex;
        this.reduction = reduction;
    }

    public int classes() {
        return classes;
    }

    public int ignoreIndex() {
        return ignoreIndex;
    }

    /**
     * {@link #indexLoss(ThreadTeam, float[], int, int[], float[], float[])} on the calling thread, with
     * buffers allocated for this call (a team keeps them from call to call).
     */
    public float indexLoss(float[] logits, int n, int[] labels, float[] grad, float[] perSample) {
        return indexLoss(null, logits, n, labels, grad, perSample);
    }

    /**
     * The loss of {@code n} rows of {@code logits [n][classes]} against class indices. Writes
     * {@code dLoss/dLogits} to {@code grad} when it is not null, and each row's loss (reduction
     * 'none', 0 for ignored rows) to {@code perSample} when it is not null. With a team and enough
     * values ({@link #PARALLEL_VALUES}), the rows are split across its threads; the row losses are
     * then summed in row order, so the result has the same bits for every team.
     *
     * <p>Labels must already be checked: each in [0, classes) or equal to the ignore index. With the
     * mean and every row ignored the loss is NaN (0/0, as in PyTorch) and the gradient is zero.
     */
    public float indexLoss(ThreadTeam team, float[] logits, int n, int[] labels, float[] grad, float[] perSample) {
        // The mean divides by the kept rows' total weight: known from the labels alone, so the
        // gradient comes out final in the same pass as the loss.
        double weightTotal = 0;
        for (int r = 0; r < n; r++) {
            int y = labels[r];
            if (y != ignoreIndex) {
                weightTotal += weight[y];
            }
        }
        // keep_i / W, and zero everywhere when nothing is kept (PyTorch's gradient of 0/0 is 0 here).
        double gradScale = reduction == Reduction.SUM ? 1 : weightTotal == 0 ? 0 : 1 / weightTotal;
        double total = sumRows(team, n, logits, labels, null, grad, perSample, gradScale);
        return (float) (reduction == Reduction.MEAN ? total / weightTotal : total);
    }

    /**
     * {@link #probabilityLoss(ThreadTeam, float[], int, float[], float[], float[])} on the calling thread,
     * with buffers allocated for this call.
     */
    public float probabilityLoss(float[] logits, int n, float[] targets, float[] grad, float[] perSample) {
        return probabilityLoss(null, logits, n, targets, grad, perSample);
    }

    /**
     * The loss against probability targets {@code [n][classes]} (smoothed as {@code (1-ε) q + ε/C});
     * the mean divides by {@code n}, not by a weight sum, as PyTorch does for this form. Rows are split
     * across the team as for {@link #indexLoss(ThreadTeam, float[], int, int[], float[], float[])}.
     */
    public float probabilityLoss(ThreadTeam team, float[] logits, int n, float[] targets, float[] grad,
                                 float[] perSample) {
        double scale = reduction == Reduction.MEAN ? 1.0 / n : 1.0;
        return (float) (sumRows(team, n, logits, null, targets, grad, perSample, scale) * scale);
    }

    /**
     * Σ of the row losses in row order: computed here, or first each into {@link Workspace#losses} by
     * the team's threads. {@code labels} or {@code targets} says which form; {@code scale} is the
     * gradient's factor. Without a team the workspace is allocated for this call.
     */
    private double sumRows(ThreadTeam team, int n, float[] logits, int[] labels, float[] targets, float[] grad,
                           float[] perSample, double scale) {
        Workspace work = team == null ? new Workspace() : team.local(WORKSPACE, t -> new Workspace());
        work.ensure(n, classes);
        double total = 0;
        if (team == null || team.parallelism() == 1 || (long) n * classes < PARALLEL_VALUES) {
            exponentials(logits, 0, n, true, work);
            for (int r = 0; r < n; r++) {
                total += rowLoss(r, logits, labels, targets, grad, perSample, scale, work);
            }
            return total;
        }
        work.compute(team, this, n, logits, labels, targets, grad, perSample, scale);
        for (int r = 0; r < n; r++) {
            total += work.losses[r];
        }
        return total;
    }

    /**
     * For rows {@code [from, to)}: each row's maximum into {@code work.rowMax}, {@code Σ w_c logit_c} into
     * {@code work.weightedLogitSums}, and {@code work.exps = e^(logit - max)}, the difference carried
     * exactly in two floats. The {@code last} range may compute a few exponentials of the workspace's
     * padding too, so that a small batch (the tail of a large one) is whole vectors: no other range
     * writes there, and nothing reads it.
     */
    private void exponentials(float[] logits, int from, int to, boolean last, Workspace work) {
        Kernels kernels = Kernels.get();
        for (int r = from; r < to; r++) {
            int row = r * classes;
            float max = kernels.rowMax(logits, row, classes);
            work.rowMax[r] = max;
            kernels.shiftedLogits(logits, row, classes, max, work.hi, work.lo, row);
            if (smoothing != 0) {
                work.weightedLogitSums[r] = kernels.weightedSum(weight, logits, row, classes);
            }
        }
        int start = from * classes, end = last ? Workspace.padded(to * classes) : to * classes;
        kernels.exp(work.hi, work.lo, work.exps, start, end - start);
    }

    private double rowLoss(int r, float[] logits, int[] labels, float[] targets, float[] grad, float[] perSample,
                           double scale, Workspace work) {
        return labels != null ? indexRow(r, logits, labels[r], grad, perSample, scale, work)
                : probabilityRow(r, logits, targets, grad, perSample, scale, work);
    }

    /** Row {@code r}'s loss against label {@code y}, and its gradient times {@code gradScale}. */
    private double indexRow(int r, float[] logits, int y, float[] grad, float[] perSample, double gradScale,
                            Workspace work) {
        int row = r * classes;
        if (y == ignoreIndex) {
            if (grad != null) {
                Arrays.fill(grad, row, row + classes, 0f);
            }
            if (perSample != null) {
                perSample[r] = 0f;
            }
            return 0;
        }
        double eps = smoothing;
        double smoothShare = eps / classes;
        double sum = expSum(r, work);
        double logSumExp = work.rowMax[r] + Math.log(sum);
        double wy = weight[y];
        double nll = -wy * (logits[row + y] - logSumExp);
        double rowLoss = nll;
        if (eps != 0) {
            // Σ_c w_c (logSumExp - logit_c), every term positive, in double: no cancellation that matters.
            double smooth = weightSum * logSumExp - work.weightedLogitSums[r];
            rowLoss = (1 - eps) * nll + smoothShare * smooth;
        }
        if (perSample != null) {
            perSample[r] = (float) rowLoss;
        }
        if (grad != null) {
            // keep_i / W · [(1-ε) w_y (p_c - δ_cy) + (ε/C)(S p_c - w_c)]
            //   = keep_i / W · [((1-ε) w_y + (ε/C) S) p_c - (ε/C) w_c - (1-ε) w_y δ_cy].
            double hard = (1 - eps) * wy;
            double pScale = gradScale * (hard + smoothShare * weightSum) / sum;
            double offset = gradScale * smoothShare;
            Kernels.get().softmaxGradient(work.exps, row, classes, (float) pScale, (float) offset, floatWeight, grad,
                    row);
            grad[row + y] = (float) (pScale * work.exps[row + y] - offset * weight[y] - gradScale * hard);
        }
        return rowLoss;
    }

    /** Row {@code r}'s loss against its probability targets, and its gradient times {@code scale}. */
    private double probabilityRow(int r, float[] logits, float[] targets, float[] grad, float[] perSample,
                                  double scale, Workspace work) {
        double eps = smoothing;
        double smoothShare = eps / classes;
        int row = r * classes;
        double sum = expSum(r, work);
        double logSumExp = work.rowMax[r] + Math.log(sum);
        double rowLoss = 0;
        double weightedTargetSum = 0;
        for (int c = 0; c < classes; c++) {
            double q = (1 - eps) * targets[row + c] + smoothShare;
            double wq = weight[c] * q;
            rowLoss -= wq * (logits[row + c] - logSumExp);
            weightedTargetSum += wq;
        }
        if (perSample != null) {
            perSample[r] = (float) rowLoss;
        }
        if (grad != null) {
            for (int c = 0; c < classes; c++) {
                double q = (1 - eps) * targets[row + c] + smoothShare;
                double p = work.exps[row + c] / sum;
                grad[row + c] = (float) (scale * (p * weightedTargetSum - weight[c] * q));
            }
        }
        return rowLoss;
    }

    /**
     * A team's buffers for a loss (row maxima, exponentials and their arguments, row losses) and the task
     * that fills them, a slice of rows per thread: kept in the team ({@link ThreadTeam#local}) because a
     * CrossEntropy is immutable and shared between models. Buffers grow to the largest batch seen.
     */
    private static final class Workspace implements ThreadTeam.Task {
        double[] losses = new double[0];
        double[] weightedLogitSums = new double[0];
        float[] rowMax = new float[0], hi = new float[0], lo = new float[0], exps = new float[0];
        private CrossEntropy loss;
        private int n;
        private float[] logits, targets, grad, perSample;
        private int[] labels;
        private double scale;

        void ensure(int n, int classes) {
            if (rowMax.length < n) {
                losses = new double[n];
                weightedLogitSums = new double[n];
                rowMax = new float[n];
            }
            int values = padded(n * classes);
            if (exps.length < values) {
                hi = new float[values];
                lo = new float[values];
                exps = new float[values];
            }
        }

        /** {@code count} rounded up to whole 512-bit vectors of floats (the widest on x86). */
        static int padded(int count) {
            return (count + 15) & ~15;
        }

        void compute(ThreadTeam team, CrossEntropy loss, int n, float[] logits, int[] labels, float[] targets,
                     float[] grad, float[] perSample, double scale) {
            this.loss = loss;
            this.n = n;
            this.logits = logits;
            this.labels = labels;
            this.targets = targets;
            this.grad = grad;
            this.perSample = perSample;
            this.scale = scale;
            try {
                team.run(team.parallelism(), this);
            } finally {
                this.loss = null;
                this.logits = this.targets = this.grad = this.perSample = null;
                this.labels = null;
            }
        }

        @Override
        public void run(int part, int parts) {
            int from = ThreadTeam.split(n, parts, part), to = ThreadTeam.split(n, parts, part + 1);
            loss.exponentials(logits, from, to, to == n, this);
            for (int r = from; r < to; r++) {
                losses[r] = loss.rowLoss(r, logits, labels, targets, grad, perSample, scale, this);
            }
        }
    }

    private double expSum(int r, Workspace work) {
        return Kernels.get().sum(work.exps, r * classes, classes);
    }

    @Override
    public String toString() {
        return "CrossEntropy[classes=" + classes + ", labelSmoothing=" + smoothing
                + (weighted ? ", weight=" + Arrays.toString(weight) : "") + ", ignoreIndex=" + ignoreIndex
                + ", reduction=" + reduction + "]";
    }
}
