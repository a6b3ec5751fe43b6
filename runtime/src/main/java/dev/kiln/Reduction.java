package dev.kiln;

/** How per-sample losses are combined into the batch loss, as PyTorch's {@code reduction}. */
public enum Reduction {
    /**
     * The weighted mean: with class indices, the sum divided by the total weight of the rows that are
     * not ignored; with probability targets, the sum divided by the number of rows.
     */
    MEAN,
    /** The plain sum of per-sample losses. */
    SUM
}
