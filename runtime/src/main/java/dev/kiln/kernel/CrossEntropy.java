package dev.kiln.kernel;

import dev.kiln.Reduction;
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

    /**
     * The loss of {@code n} rows of {@code logits [n][classes]} against class indices. Writes
     * {@code dLoss/dLogits} to {@code grad} when it is not null, and each row's loss (reduction
     * 'none', 0 for ignored rows) to {@code perSample} when it is not null.
     *
     * <p>Labels must already be checked: each in [0, classes) or equal to the ignore index. With the
     * mean and every row ignored the loss is NaN (0/0, as in PyTorch) and the gradient is zero.
     */
    public float indexLoss(float[] logits, int n, int[] labels, float[] grad, float[] perSample) {
        double eps = smoothing;
        double smoothShare = eps / classes;
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
        double total = 0;
        for (int r = 0; r < n; r++) {
            int row = r * classes;
            int y = labels[r];
            if (y == ignoreIndex) {
                if (grad != null) {
                    Arrays.fill(grad, row, row + classes, 0f);
                }
                if (perSample != null) {
                    perSample[r] = 0f;
                }
                continue;
            }
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
            total += rowLoss;
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
        }
        return (float) (reduction == Reduction.MEAN ? total / weightTotal : total);
    }

    /**
     * The loss against probability targets {@code [n][classes]} (smoothed as {@code (1-ε) q + ε/C});
     * the mean divides by {@code n}, not by a weight sum, as PyTorch does for this form.
     */
    public float probabilityLoss(float[] logits, int n, float[] targets, float[] grad, float[] perSample) {
        double eps = smoothing;
        double smoothShare = eps / classes;
        double total = 0;
        double scale = reduction == Reduction.MEAN ? 1.0 / n : 1.0;
        for (int r = 0; r < n; r++) {
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
            total += rowLoss;
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
        }
        return (float) (total * scale);
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
