package dev.kiln.train;

/**
 * Decays the rate by {@code gamma} every {@code stepSize} steps, as PyTorch's
 * {@code StepLR(optimizer, step_size, gamma)}: {@code base * gamma^floor(step / stepSize)}.
 */
public record StepLR(long stepSize, double gamma) implements LearningRateSchedule {

    /** @throws IllegalArgumentException if {@code stepSize < 1} or {@code gamma} is not finite */
    public StepLR {
        if (stepSize < 1) {
            throw new IllegalArgumentException("stepSize must be at least 1, got " + stepSize);
        }
        if (!Double.isFinite(gamma)) {
            throw new IllegalArgumentException("gamma must be finite, got " + gamma);
        }
    }

    @Override
    public double learningRate(double baseLr, long step) {
        return baseLr * Math.pow(gamma, step / stepSize);
    }
}
