package dev.kiln.train;

/**
 * Scales the initial rate by a factor moving linearly from {@code startFactor} to {@code endFactor}
 * over {@code totalIters} steps, then holds it, as PyTorch's
 * {@code LinearLR(optimizer, start_factor, end_factor, total_iters)}. With {@code startFactor < 1}
 * and {@code endFactor = 1} this is the usual linear warm-up.
 */
public record LinearLR(double startFactor, double endFactor, long totalIters) implements LearningRateSchedule {

    /**
     * @throws IllegalArgumentException unless {@code 0 < startFactor <= 1}, {@code 0 <= endFactor <= 1}
     *     and {@code totalIters >= 1} (PyTorch's checks)
     */
    public LinearLR {
        if (!(startFactor > 0 && startFactor <= 1)) {
            throw new IllegalArgumentException("startFactor must be in (0, 1], got " + startFactor);
        }
        if (!(endFactor >= 0 && endFactor <= 1)) {
            throw new IllegalArgumentException("endFactor must be in [0, 1], got " + endFactor);
        }
        if (totalIters < 1) {
            throw new IllegalArgumentException("totalIters must be at least 1, got " + totalIters);
        }
    }

    /** PyTorch's defaults: from a third of the rate to the full rate over 5 steps. */
    public static LinearLR warmup() {
        return new LinearLR(1.0 / 3, 1.0, 5);
    }

    @Override
    public double learningRate(double baseLr, long step) {
        double progress = (double) Math.min(step, totalIters) / totalIters;
        return baseLr * (startFactor + (endFactor - startFactor) * progress);
    }
}
