package dev.kiln.processor.spec;

/**
 * One {@code @Linear} field with what follows it.
 *
 * @param name the field name, also the tensor prefix ({@code name.weight}, {@code name.bias})
 * @param activation the activation after the layer ({@link ActivationSpec#IDENTITY} for none)
 * @param dropout dropout probability after the activation; 0 for none
 */
public record LayerSpec(String name, int in, int out, boolean bias, ActivationSpec activation, double dropout) {

    public int parameterCount() {
        return in * out + (bias ? out : 0);
    }

    public boolean hasActivation() {
        return activation.kind() != ActivationSpec.Kind.IDENTITY;
    }

    public boolean hasDropout() {
        return dropout > 0;
    }
}
