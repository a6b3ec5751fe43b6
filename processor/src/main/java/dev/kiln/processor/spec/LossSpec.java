package dev.kiln.processor.spec;

import dev.kiln.Reduction;
import java.util.List;

/**
 * Cross-entropy settings, as {@code @Loss}.
 *
 * @param weights per-class weights; empty for none
 */
public record LossSpec(double labelSmoothing, List<Double> weights, int ignoreIndex, Reduction reduction) {
    public static final LossSpec DEFAULT = new LossSpec(0, List.of(), -100, Reduction.MEAN);

    public LossSpec {
        weights = List.copyOf(weights);
    }
}
