package dev.kiln;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Applies ReLU, {@code max(x, 0)}; its derivative at 0 is 0, as in PyTorch.
 * Goes on a {@link Linear} field; runs after that layer. At most one activation per layer.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.FIELD)
public @interface Relu {}
