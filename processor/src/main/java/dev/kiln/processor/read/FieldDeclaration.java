package dev.kiln.processor.read;

import java.util.List;
import java.util.Optional;
import javax.lang.model.element.VariableElement;

/**
 * A field of a model class that is a layer or looks like one: it has a Kiln field annotation or the
 * type {@code dev.kiln.Layer}.
 *
 * @param activations every activation annotation on the field (more than one is an error)
 */
public record FieldDeclaration(VariableElement field, boolean layerTyped, Optional<AnnotationUse> linear,
                               List<AnnotationUse> activations, Optional<AnnotationUse> dropout) {

    public FieldDeclaration {
        activations = List.copyOf(activations);
    }

    public String name() {
        return field.getSimpleName().toString();
    }
}
