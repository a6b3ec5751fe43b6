package dev.kiln;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Applies LeakyReLU, {@code x > 0 ? x : negativeSlope · x}, as {@code nn.LeakyReLU(negative_slope)}.
 * Goes on a {@link Linear} field; runs after that layer. At most one activation per layer.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.FIELD)
public @interface LeakyRelu {
    /** Slope for negative inputs; a finite number. */
    double negativeSlope() default 0.01;
}
