package dev.kiln;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a class as a Kiln model. At build time Kiln's annotation processor generates
 * {@code Kiln<Name>} (for a nested class {@code Kiln<Outer>_<Inner>}) in the same package: a final
 * subclass that implements {@link KilnModel} with a training step specialised to this model.
 *
 * <p>The class must be a non-final, non-private, non-generic top-level or static nested class with a
 * non-private no-argument constructor. Its layers are its {@link Layer} fields annotated with
 * {@link Linear}, applied in declaration order. {@link Loss} configures the loss (cross-entropy with
 * defaults when absent) and exactly one optimizer annotation ({@link Sgd}, {@link Adam} or
 * {@link AdamW}) is required.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
public @interface Model {}
