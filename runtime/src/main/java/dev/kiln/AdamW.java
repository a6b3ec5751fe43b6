package dev.kiln;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * AdamW, exactly {@code torch.optim.AdamW}: weight decay shrinks the parameters directly, {@code θ *= 1 - lr·weightDecay}, before the Adam update (decoupled).
 * Moments use bias correction {@code 1 - β^t}; eps is added after dividing √v by √(1 - β2^t).
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
public @interface AdamW {
    /** Learning rate, ≥ 0. */
    double lr() default 1e-3;

    /** Decay of the first moment, in [0, 1). */
    double beta1() default 0.9;

    /** Decay of the second moment, in [0, 1). */
    double beta2() default 0.999;

    /** Term added to the denominator, ≥ 0. */
    double eps() default 1e-8;

    /** Weight decay, ≥ 0. */
    double weightDecay() default 0.01;

    /** Use the maximum of past second moments (AMSGrad). */
    boolean amsgrad() default false;
}
