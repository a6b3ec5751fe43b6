package dev.kiln.optim;

import dev.kiln.kernel.Kernels;
import dev.kiln.thread.ThreadTeam;
import java.util.List;

/**
 * {@code torch.optim.Adam} and {@code torch.optim.AdamW} (decoupled weight decay), with AMSGrad on the
 * raw second moment. Bias corrections are computed in double per step, as PyTorch does.
 */
public final class AdamOptimizer extends Optimizer {
    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;
    private final boolean decoupled;
    private final float[] expAvg;
    private final float[] expAvgSq;
    private final float[] maxExpAvgSq;

    /**
     * @param decoupled true for AdamW
     */
    public AdamOptimizer(int size, double lr, double beta1, double beta2, double eps, double weightDecay,
                         boolean amsgrad, boolean decoupled) {
        super(lr);
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException("betas must be in [0, 1), got " + beta1 + ", " + beta2);
        }
        if (!(eps >= 0) || !(weightDecay >= 0)) {
            throw new IllegalArgumentException("eps and weight decay must be >= 0");
        }
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        this.decoupled = decoupled;
        this.expAvg = new float[size];
        this.expAvgSq = new float[size];
        this.maxExpAvgSq = amsgrad ? new float[size] : null;
    }

    @Override
    protected void update(Kernels kernels, ThreadTeam team, float[] params, float[] grads, long t) {
        double lr = learningRate();
        double stepSize = lr / (1 - Math.pow(beta1, t));
        double bc2Sqrt = Math.sqrt(1 - Math.pow(beta2, t));
        kernels.adamUpdate(team, params, grads, expAvg, expAvgSq, maxExpAvgSq, params.length, lr, beta1, beta2,
                eps, weightDecay, decoupled, stepSize, bc2Sqrt);
    }

    @Override
    public List<StateBuffer> state() {
        return maxExpAvgSq == null
                ? List.of(new StateBuffer("exp_avg", expAvg), new StateBuffer("exp_avg_sq", expAvgSq))
                : List.of(new StateBuffer("exp_avg", expAvg), new StateBuffer("exp_avg_sq", expAvgSq),
                        new StateBuffer("max_exp_avg_sq", maxExpAvgSq));
    }

    @Override
    public String toString() {
        return (decoupled ? "AdamW" : "Adam") + "(lr=" + learningRate() + ", betas=(" + beta1 + ", " + beta2
                + "), eps=" + eps + ", weight_decay=" + weightDecay + ", amsgrad=" + (maxExpAvgSq != null) + ")";
    }
}
