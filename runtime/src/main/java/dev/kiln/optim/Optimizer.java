package dev.kiln.optim;

import dev.kiln.kernel.Kernels;
import dev.kiln.thread.ThreadTeam;
import java.util.List;

/**
 * An optimizer over a model's flat parameter array: one {@link #step} per training step, in a single
 * fused pass of the kernels. Its state (buffers and step count) can be saved and restored, so that
 * training resumes exactly.
 */
public abstract class Optimizer {
    private double learningRate;
    private long steps;

    protected Optimizer(double learningRate) {
        this.learningRate = checkLearningRate(learningRate);
    }

    /** Applies one update to {@code params} from {@code grads}, both of the size given at construction. */
    public final void step(Kernels kernels, ThreadTeam team, float[] params, float[] grads) {
        steps++;
        update(kernels, team, params, grads, steps);
    }

    /** The update of step {@code t} (1-based). */
    protected abstract void update(Kernels kernels, ThreadTeam team, float[] params, float[] grads, long t);

    public final double learningRate() {
        return learningRate;
    }

    /**
     * Sets the learning rate for the following steps.
     *
     * @throws IllegalArgumentException if it is negative or not finite
     */
    public final void learningRate(double lr) {
        this.learningRate = checkLearningRate(lr);
    }

    /** Steps taken so far. */
    public final long steps() {
        return steps;
    }

    /**
     * The state buffers, each as long as the parameter array, with the suffix they are saved under
     * ({@code optimizer.<parameter>.<suffix>}, e.g. {@code momentum_buffer}, {@code exp_avg}). They
     * hold meaningful values only once {@link #steps()} is above 0 (PyTorch creates them lazily).
     */
    public abstract List<StateBuffer> state();

    /** Restores the step count, after the buffers were copied into {@link #state()}'s arrays. */
    public final void restoreSteps(long steps) {
        if (steps < 0) {
            throw new IllegalArgumentException("steps must be non-negative, got " + steps);
        }
        this.steps = steps;
    }

    /** A short description with the hyperparameters, for generated Javadoc and logs. */
    @Override
    public abstract String toString();

    private static double checkLearningRate(double lr) {
        if (!(lr >= 0) || Double.isInfinite(lr)) {
            throw new IllegalArgumentException("learning rate must be a finite number >= 0, got " + lr);
        }
        return lr;
    }

    /** A named state buffer parallel to the parameters. */
    public record StateBuffer(String name, float[] values) {}
}
