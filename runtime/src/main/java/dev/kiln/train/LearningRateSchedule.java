package dev.kiln.train;

import java.util.ArrayList;
import java.util.List;

/**
 * A learning-rate schedule with PyTorch's semantics: the rate after {@code step} scheduler steps,
 * as a function of the optimizer's initial rate. {@link Fit} applies it once per epoch (as PyTorch's
 * {@code scheduler.step()} after each epoch) or once per optimizer step, see {@link Interval}.
 *
 * <p>Schedules are closed forms, so they carry no mutable state: resuming a run needs only the step
 * count and the initial rate. Their values agree with PyTorch's recursive updates to within float64
 * rounding (about 1e-15 relative).
 *
 * <pre>{@code
 * // five epochs of linear warm-up from 1% of the rate, then cosine annealing over 45 epochs
 * var schedule = new LinearLR(0.01, 1.0, 5).then(5, new CosineAnnealingLR(45, 0.0));
 * }</pre>
 */
public sealed interface LearningRateSchedule permits StepLR, CosineAnnealingLR, LinearLR, SequentialLR {

    /** When a schedule advances. */
    enum Interval {
        /** One scheduler step after each epoch: epoch {@code e} (from 0) trains at {@code learningRate(base, e)}. */
        EPOCH,
        /** One scheduler step after each optimizer step: the {@code s}-th step (from 0) uses {@code learningRate(base, s)}. */
        STEP
    }

    /**
     * The rate after {@code step} scheduler steps.
     *
     * @param baseLr the optimizer's rate when training started (PyTorch's {@code initial_lr})
     * @param step scheduler steps taken so far, from 0
     */
    double learningRate(double baseLr, long step);

    /**
     * This schedule until {@code milestone} steps, then {@code next} restarted from its step 0, as
     * PyTorch's {@code SequentialLR(optimizer, [this, next], milestones=[milestone])}. Chaining onto a
     * {@link SequentialLR} appends to it; {@code milestone} counts from the start of the whole chain.
     */
    default SequentialLR then(long milestone, LearningRateSchedule next) {
        if (this instanceof SequentialLR sequence) {
            List<LearningRateSchedule> schedules = new ArrayList<>(sequence.schedules());
            List<Long> milestones = new ArrayList<>(sequence.milestones());
            schedules.add(next);
            milestones.add(milestone);
            return new SequentialLR(schedules, milestones);
        }
        return new SequentialLR(List.of(this, next), List.of(milestone));
    }
}
