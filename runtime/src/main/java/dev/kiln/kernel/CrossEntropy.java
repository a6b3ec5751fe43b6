package dev.kiln.kernel;

import dev.kiln.Reduction;
import dev.kiln.thread.ThreadTeam;
import java.util.Arrays;

/**
 * Softmax cross-entropy on logits with PyTorch's exact semantics ({@code nn.CrossEntropyLoss}): class
 * weights, {@code ignore_index}, label smoothing, mean or sum, with class-index or probability targets.
 * The loss and its gradient come out of one pass over each row; row sums run in double, so the
 * result is the float nearest the exact value (PyTorch's float32 arithmetic agrees to rounding).
 *
 * <p>Immutable; safe to share between models.
 */
public final class CrossEntropy {
    /** Below this many logits a loss stays on the calling thread (each costs about 40 ns, mostly its exp). */
    static final long PARALLEL_VALUES = 1 << 13;
    private static final Object ROW_LOSSES = new Object();

    private final int classes;
    private final double smoothing;
    private final double[] weight;
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

    /** {@link #indexLoss(ThreadTeam, float[], int, int[], float[], float[])} on the calling thread. */
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

    /** {@link #probabilityLoss(ThreadTeam, float[], int, float[], float[], float[])} on the calling thread. */
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
     * Σ of the row losses in row order: computed here, or first each into {@link RowLosses#losses} by
     * the team's threads. {@code labels} or {@code targets} says which form; {@code scale} is the
     * gradient's factor.
     */
    private double sumRows(ThreadTeam team, int n, float[] logits, int[] labels, float[] targets, float[] grad,
                           float[] perSample, double scale) {
        double total = 0;
        if (team == null || team.size() == 1 || (long) n * classes < PARALLEL_VALUES) {
            for (int r = 0; r < n; r++) {
                total += rowLoss(r, logits, labels, targets, grad, perSample, scale);
            }
            return total;
        }
        RowLosses rows = team.local(ROW_LOSSES, t -> new RowLosses());
        rows.compute(team, this, n, logits, labels, targets, grad, perSample, scale);
        for (int r = 0; r < n; r++) {
            total += rows.losses[r];
        }
        return total;
    }

    private double rowLoss(int r, float[] logits, int[] labels, float[] targets, float[] grad, float[] perSample,
                           double scale) {
        return labels != null ? indexRow(r, logits, labels[r], grad, perSample, scale)
                : probabilityRow(r, logits, targets, grad, perSample, scale);
    }

    /** Row {@code r}'s loss against label {@code y}, and its gradient times {@code gradScale}. */
    private double indexRow(int r, float[] logits, int y, float[] grad, float[] perSample, double gradScale) {
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
        double logSumExp = grad == null ? logSumExp(logits, row) : softmaxInto(logits, row, grad);
        double wy = weight[y];
        double nll = -wy * (logits[row + y] - logSumExp);
        double rowLoss = nll;
        if (eps != 0) {
            double smooth = 0;
            for (int c = 0; c < classes; c++) {
                smooth += weight[c] * (logSumExp - logits[row + c]);
            }
            rowLoss = (1 - eps) * nll + smoothShare * smooth;
        }
        if (perSample != null) {
            perSample[r] = (float) rowLoss;
        }
        if (grad != null) {
            // keep_i / W · [(1-ε) w_y (p_c - δ_cy) + (ε/C)(S p_c - w_c)], p already in grad.
            double hard = (1 - eps) * wy;
            for (int c = 0; c < classes; c++) {
                double p = grad[row + c];
                double g = hard * (c == y ? p - 1 : p);
                if (eps != 0) {
                    g += smoothShare * (weightSum * p - weight[c]);
                }
                grad[row + c] = (float) (gradScale * g);
            }
        }
        return rowLoss;
    }

    /** Row {@code r}'s loss against its probability targets, and its gradient times {@code scale}. */
    private double probabilityRow(int r, float[] logits, float[] targets, float[] grad, float[] perSample,
                                  double scale) {
        double eps = smoothing;
        double smoothShare = eps / classes;
        int row = r * classes;
        double logSumExp = logSumExp(logits, row);
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
                double p = Math.exp(logits[row + c] - logSumExp);
                grad[row + c] = (float) (scale * (p * weightedTargetSum - weight[c] * q));
            }
        }
        return rowLoss;
    }

    /**
     * A team's buffer of row losses and the task that fills it, a slice of rows per thread: kept in the
     * team ({@link ThreadTeam#local}) because a CrossEntropy is immutable and shared between models.
     */
    private static final class RowLosses implements ThreadTeam.Task {
        double[] losses = new double[0];
        private CrossEntropy loss;
        private int n;
        private float[] logits, targets, grad, perSample;
        private int[] labels;
        private double scale;

        void compute(ThreadTeam team, CrossEntropy loss, int n, float[] logits, int[] labels, float[] targets,
                     float[] grad, float[] perSample, double scale) {
            if (losses.length < n) {
                losses = new double[n];
            }
            this.loss = loss;
            this.n = n;
            this.logits = logits;
            this.labels = labels;
            this.targets = targets;
            this.grad = grad;
            this.perSample = perSample;
            this.scale = scale;
            try {
                team.run(team.size(), this);
            } finally {
                this.loss = null;
                this.logits = this.targets = this.grad = this.perSample = null;
                this.labels = null;
            }
        }

        @Override
        public void run(int part, int parts) {
            for (int r = ThreadTeam.split(n, parts, part), end = ThreadTeam.split(n, parts, part + 1); r < end; r++) {
                losses[r] = loss.rowLoss(r, logits, labels, targets, grad, perSample, scale);
            }
        }
    }

    /** Writes the row's softmax into {@code out} (same offsets) and returns its log-sum-exp: one exp per value. */
    private double softmaxInto(float[] logits, int row, float[] out) {
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < classes; c++) {
            max = Math.max(max, logits[row + c]);
        }
        double sum = 0;
        for (int c = 0; c < classes; c++) {
            double e = Math.exp(logits[row + c] - max);
            out[row + c] = (float) e;
            sum += e;
        }
        float inverse = (float) (1 / sum);
        for (int c = 0; c < classes; c++) {
            out[row + c] *= inverse;
        }
        return max + Math.log(sum);
    }

    private double logSumExp(float[] logits, int row) {
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < classes; c++) {
            max = Math.max(max, logits[row + c]);
        }
        double sum = 0;
        for (int c = 0; c < classes; c++) {
            sum += Math.exp(logits[row + c] - max);
        }
        return max + Math.log(sum);
    }

    @Override
    public String toString() {
        return "CrossEntropy[classes=" + classes + ", labelSmoothing=" + smoothing
                + (weighted ? ", weight=" + Arrays.toString(weight) : "") + ", ignoreIndex=" + ignoreIndex
                + ", reduction=" + reduction + "]";
    }
}
