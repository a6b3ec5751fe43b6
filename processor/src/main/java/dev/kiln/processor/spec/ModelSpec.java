package dev.kiln.processor.spec;

import java.util.List;

/**
 * A validated model, everything the emitter needs and nothing from {@code javax.lang.model}.
 *
 * @param packageName package of the model class (and of the generated class)
 * @param modelSimpleNames the model's simple name with its enclosing classes, outermost first
 * @param layers the layers in declaration order, each {@code in} equal to the previous {@code out}
 */
public record ModelSpec(String packageName, List<String> modelSimpleNames, List<LayerSpec> layers,
                        LossSpec loss, OptimizerSpec optimizer) {

    public ModelSpec {
        modelSimpleNames = List.copyOf(modelSimpleNames);
        layers = List.copyOf(layers);
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("a model needs at least one layer");
        }
    }

    /** {@code Kiln<Name>}, with nested names joined by {@code _}: {@code Kiln<Outer>_<Inner>}. */
    public String generatedSimpleName() {
        return "Kiln" + String.join("_", modelSimpleNames);
    }

    public int inputs() {
        return layers.get(0).in();
    }

    public int classes() {
        return layers.get(layers.size() - 1).out();
    }

    /** Total trainable parameters. */
    public int parameterCount() {
        return layers.stream().mapToInt(LayerSpec::parameterCount).sum();
    }
}
