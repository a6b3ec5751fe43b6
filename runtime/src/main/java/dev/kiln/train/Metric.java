package dev.kiln.train;

/** A validation metric that early stopping and the best checkpoint follow. */
public enum Metric {
    /** {@link EpochResult#validationLoss()}; lower is better. */
    VALIDATION_LOSS("val_loss"),
    /** {@link EpochResult#validationAccuracy()}; higher is better. */
    VALIDATION_ACCURACY("val_accuracy");

    private final String columnName;

    Metric(String columnName) {
        this.columnName = columnName;
    }

    /** The metric's value for an epoch. */
    public double of(EpochResult result) {
        return this == VALIDATION_LOSS ? result.validationLoss() : result.validationAccuracy();
    }

    /** Whether {@code candidate} is strictly better than {@code best}; anything beats NaN, NaN beats nothing. */
    public boolean isBetter(double candidate, double best) {
        if (Double.isNaN(candidate)) {
            return false;
        }
        if (Double.isNaN(best)) {
            return true;
        }
        return this == VALIDATION_LOSS ? candidate < best : candidate > best;
    }

    /** The metric's name as a {@link History} CSV column. */
    public String columnName() {
        return columnName;
    }
}
