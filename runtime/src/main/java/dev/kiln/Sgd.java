package dev.kiln;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Stochastic gradient descent, exactly {@code torch.optim.SGD}: with momentum μ the first step sets
 * the buffer to the gradient, later steps {@code b = μ b + (1 - dampening) g}; Nesterov uses
 * {@code g + μ b}. Weight decay adds {@code weightDecay · θ} to the gradient.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
public @interface Sgd {
    /** Learning rate, ≥ 0. */
    double lr();

    /** Momentum factor μ, ≥ 0. */
    double momentum() default 0;

    /** Dampening for momentum. */
    double dampening() default 0;

    /** L2 penalty, ≥ 0. */
    double weightDecay() default 0;

    /** Nesterov momentum; needs momentum &gt; 0 and dampening 0. */
    boolean nesterov() default false;
}
