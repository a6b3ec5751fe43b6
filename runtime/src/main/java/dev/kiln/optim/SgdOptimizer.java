package dev.kiln.optim;

import dev.kiln.kernel.Kernels;
import dev.kiln.thread.ThreadTeam;
import java.util.List;

/** {@code torch.optim.SGD}: momentum (buffer set to the gradient on the first step), dampening, Nesterov, weight decay. */
public final class SgdOptimizer extends Optimizer {
    private final float momentum;
    private final float dampening;
    private final float weightDecay;
    private final boolean nesterov;
    private final float[] momentumBuffer;

    public SgdOptimizer(int size, double lr, double momentum, double dampening, double weightDecay, boolean nesterov) {
        super(lr);
        if (momentum < 0 || weightDecay < 0) {
            throw new IllegalArgumentException("momentum and weight decay must be >= 0");
        }
        if (nesterov && (momentum <= 0 || dampening != 0)) {
            throw new IllegalArgumentException("Nesterov momentum requires a momentum and zero dampening");
        }
        this.momentum = (float) momentum;
        this.dampening = (float) dampening;
        this.weightDecay = (float) weightDecay;
        this.nesterov = nesterov;
        this.momentumBuffer = momentum != 0 ? new float[size] : null;
    }

    @Override
    protected void update(Kernels kernels, ThreadTeam team, float[] params, float[] grads, long t) {
        kernels.sgdUpdate(team, params, grads, momentumBuffer, params.length, (float) learningRate(), momentum,
                dampening, weightDecay, nesterov, t == 1);
    }

    @Override
    public List<StateBuffer> state() {
        return momentumBuffer != null ? List.of(new StateBuffer("momentum_buffer", momentumBuffer)) : List.of();
    }

    @Override
    public String toString() {
        return "SGD(lr=" + learningRate() + ", momentum=" + momentum + ", dampening=" + dampening
                + ", weight_decay=" + weightDecay + ", nesterov=" + nesterov + ")";
    }
}
