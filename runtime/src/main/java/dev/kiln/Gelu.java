package dev.kiln;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Applies GELU, as {@code nn.GELU(approximate)}: exact {@code 0.5 x (1 + erf(x / √2))} or the tanh
 * approximation. Goes on a {@link Linear} field; runs after that layer. At most one activation per
 * layer.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.FIELD)
public @interface Gelu {
    /** Which GELU formula, as PyTorch's {@code approximate='none'} or {@code 'tanh'}. */
    Approximate approximate() default Approximate.NONE;

    /** PyTorch's {@code approximate} argument. */
    enum Approximate {
        /** The exact formula with erf. */
        NONE,
        /** {@code 0.5 x (1 + tanh(√(2/π) (x + 0.044715 x³)))}. */
        TANH
    }
}
