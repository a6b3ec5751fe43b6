package dev.kiln;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A fully connected layer, PyTorch's {@code nn.Linear(in, out, bias)}: {@code y = x Wᵀ + b} with
 * weight {@code [out, in]} and bias {@code [out]}, saved as {@code <field>.weight} and
 * {@code <field>.bias}. Put it on a non-private, non-final, non-static field of type {@link Layer}
 * in a {@link Model} class; layers run in declaration order, so each {@code in} equals the previous
 * layer's {@code out} and the last {@code out} is the number of classes.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.FIELD)
public @interface Linear {
    /** Input features, at least 1. */
    int in();

    /** Output features, at least 1. */
    int out();

    /** Whether the layer has a bias vector, as {@code nn.Linear(..., bias=True)}. */
    boolean bias() default true;
}
