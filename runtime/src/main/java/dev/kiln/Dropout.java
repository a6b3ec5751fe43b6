package dev.kiln;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Dropout after a layer (after its activation), as {@code nn.Dropout(p)}: during
 * {@link KilnModel#trainStep training steps} each value is zeroed with probability {@code p} and the
 * rest are scaled by {@code 1 / (1 - p)}; {@code loss}, {@code logits} and {@code predict} run in
 * evaluation mode, where dropout is the identity. Masks come from the model's seeded generator, so a
 * run with a fixed seed is reproducible.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.FIELD)
public @interface Dropout {
    /** Probability of zeroing a value, in [0, 1]. */
    double p() default 0.5;
}
