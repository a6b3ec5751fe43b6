package dev.kiln.processor.read;

import java.util.List;
import java.util.Optional;
import javax.lang.model.element.TypeElement;

/**
 * A {@code @Model} class as written, before validation.
 *
 * @param fields layer fields and look-alikes, in declaration order
 * @param optimizers every optimizer annotation on the class (exactly one is valid)
 */
public record ModelDeclaration(TypeElement type, AnnotationUse model, List<FieldDeclaration> fields,
                               Optional<AnnotationUse> loss, List<AnnotationUse> optimizers) {

    public ModelDeclaration {
        fields = List.copyOf(fields);
        optimizers = List.copyOf(optimizers);
    }
}
