package dev.kiln.train;

import java.util.List;

/**
 * Runs schedules one after another, as PyTorch's {@code SequentialLR(optimizer, schedulers,
 * milestones)}: from step {@code milestones[i-1]} on, schedule {@code i} is in charge and sees
 * {@code step - milestones[i-1]} as its own step. Each schedule starts from the same initial rate.
 * Usually built with {@link LearningRateSchedule#then}.
 */
public record SequentialLR(List<LearningRateSchedule> schedules, List<Long> milestones)
        implements LearningRateSchedule {

    /**
     * @throws IllegalArgumentException unless there is exactly one milestone fewer than schedules and
     *     the milestones are positive and strictly increasing
     */
    public SequentialLR {
        schedules = List.copyOf(schedules);
        milestones = List.copyOf(milestones);
        if (schedules.size() != milestones.size() + 1) {
            throw new IllegalArgumentException("need one milestone fewer than schedules, got "
                    + schedules.size() + " schedules and " + milestones.size() + " milestones");
        }
        long previous = 0;
        for (long milestone : milestones) {
            if (milestone <= previous) {
                throw new IllegalArgumentException("milestones must be positive and strictly increasing: " + milestones);
            }
            previous = milestone;
        }
    }

    @Override
    public double learningRate(double baseLr, long step) {
        int active = 0;
        long start = 0;
        while (active < milestones.size() && step >= milestones.get(active)) {
            start = milestones.get(active);
            active++;
        }
        return schedules.get(active).learningRate(baseLr, step - start);
    }
}
