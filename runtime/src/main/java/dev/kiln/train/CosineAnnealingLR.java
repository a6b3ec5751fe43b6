package dev.kiln.train;

/**
 * Cosine annealing from the initial rate down to {@code etaMin} over {@code tMax} steps, PyTorch's
 * {@code CosineAnnealingLR(optimizer, T_max, eta_min)} in its closed form
 * {@code etaMin + (base - etaMin) * (1 + cos(pi * step / tMax)) / 2}. Past {@code tMax} the rate
 * rises again along the same cosine, as in PyTorch.
 */
public record CosineAnnealingLR(long tMax, double etaMin) implements LearningRateSchedule {

    /** @throws IllegalArgumentException if {@code tMax < 1} or {@code etaMin} is negative or not finite */
    public CosineAnnealingLR {
        if (tMax < 1) {
            throw new IllegalArgumentException("tMax must be at least 1, got " + tMax);
        }
        if (!(etaMin >= 0) || Double.isInfinite(etaMin)) {
            throw new IllegalArgumentException("etaMin must be finite and non-negative, got " + etaMin);
        }
    }

    @Override
    public double learningRate(double baseLr, long step) {
        return etaMin + (baseLr - etaMin) * (1 + Math.cos(Math.PI * step / tMax)) / 2;
    }
}
