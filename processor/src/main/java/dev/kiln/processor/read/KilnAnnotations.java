package dev.kiln.processor.read;

import java.util.List;
import java.util.Set;

/** The qualified names of Kiln's annotations and types, grouped by where they belong. */
public final class KilnAnnotations {
    public static final String MODEL = "dev.kiln.Model";
    public static final String LINEAR = "dev.kiln.Linear";
    public static final String DROPOUT = "dev.kiln.Dropout";
    public static final String LOSS = "dev.kiln.Loss";
    public static final String SGD = "dev.kiln.Sgd";
    public static final String ADAM = "dev.kiln.Adam";
    public static final String ADAMW = "dev.kiln.AdamW";
    public static final String LAYER_TYPE = "dev.kiln.Layer";
    public static final String MODEL_INTERFACE = "dev.kiln.KilnModel";

    public static final List<String> ACTIVATIONS = List.of(
            "dev.kiln.Relu", "dev.kiln.LeakyRelu", "dev.kiln.Tanh", "dev.kiln.Sigmoid", "dev.kiln.Gelu",
            "dev.kiln.Silu");
    public static final List<String> OPTIMIZERS = List.of(SGD, ADAM, ADAMW);

    /** Annotations that belong on a field of a {@code @Model} class. */
    public static final List<String> FIELD_ANNOTATIONS = concat(List.of(LINEAR, DROPOUT), ACTIVATIONS);

    /** Annotations that belong on a {@code @Model} class next to {@code @Model}. */
    public static final List<String> CLASS_ANNOTATIONS = concat(List.of(LOSS), OPTIMIZERS);

    public static final Set<String> ALL = Set.copyOf(
            concat(List.of(MODEL), concat(FIELD_ANNOTATIONS, CLASS_ANNOTATIONS)));

    private KilnAnnotations() {}

    private static List<String> concat(List<String> a, List<String> b) {
        return java.util.stream.Stream.concat(a.stream(), b.stream()).toList();
    }
}
