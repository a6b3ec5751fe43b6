package dev.kiln.processor.spec;

/** The optimizer a model trains with. */
public sealed interface OptimizerSpec permits OptimizerSpec.Sgd, OptimizerSpec.Adam {

    double lr();

    /** {@code @Sgd}. */
    record Sgd(double lr, double momentum, double dampening, double weightDecay, boolean nesterov)
            implements OptimizerSpec {}

    /** {@code @Adam}, or {@code @AdamW} when {@code decoupled}. */
    record Adam(double lr, double beta1, double beta2, double eps, double weightDecay, boolean amsgrad,
                boolean decoupled) implements OptimizerSpec {}
}
