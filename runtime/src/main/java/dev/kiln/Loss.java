package dev.kiln;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Cross-entropy on the last layer's logits, exactly as PyTorch's
 * {@code nn.CrossEntropyLoss(weight, ignore_index, reduction, label_smoothing)}. A {@link Model}
 * without {@code @Loss} uses these defaults, i.e. {@code nn.CrossEntropyLoss()}.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
public @interface Loss {
    /**
     * Label smoothing ε in [0, 1]: the target becomes {@code (1-ε)·onehot + ε/C}. PyTorch silently
     * treats negative values as 0; Kiln rejects them at compile time.
     */
    double labelSmoothing() default 0.0;

    /** Per-class weights, one non-negative value per class; empty means no weighting. */
    double[] weight() default {};

    /** Label value whose rows are skipped (they add nothing to the loss, the gradient or the mean). */
    int ignoreIndex() default -100;

    /** How per-sample losses are combined. */
    Reduction reduction() default Reduction.MEAN;
}
