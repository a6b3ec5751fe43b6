package dev.kiln.processor.read;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.Element;
import javax.lang.model.element.TypeElement;
import javax.lang.model.element.VariableElement;
import javax.lang.model.type.DeclaredType;
import javax.lang.model.type.TypeKind;
import javax.lang.model.util.ElementFilter;
import javax.lang.model.util.Elements;

/** Turns a {@code @Model} class into a {@link ModelDeclaration}; reads, never judges. */
public final class ModelReader {
    private final Elements elements;

    public ModelReader(Elements elements) {
        this.elements = elements;
    }

    public ModelDeclaration read(TypeElement type) {
        List<FieldDeclaration> fields = new ArrayList<>();
        for (VariableElement field : ElementFilter.fieldsIn(type.getEnclosedElements())) {
            Optional<AnnotationUse> linear = find(field, KilnAnnotations.LINEAR);
            List<AnnotationUse> activations = new ArrayList<>();
            for (String activation : KilnAnnotations.ACTIVATIONS) {
                find(field, activation).ifPresent(activations::add);
            }
            Optional<AnnotationUse> dropout = find(field, KilnAnnotations.DROPOUT);
            boolean layerTyped = isLayerType(field);
            if (layerTyped || linear.isPresent() || !activations.isEmpty() || dropout.isPresent()) {
                fields.add(new FieldDeclaration(field, layerTyped, linear, activations, dropout));
            }
        }
        List<AnnotationUse> optimizers = new ArrayList<>();
        for (String optimizer : KilnAnnotations.OPTIMIZERS) {
            find(type, optimizer).ifPresent(optimizers::add);
        }
        return new ModelDeclaration(type, find(type, KilnAnnotations.MODEL).orElseThrow(), fields,
                find(type, KilnAnnotations.LOSS), optimizers);
    }

    /** The annotation of the given type on the element, with defaults. */
    public Optional<AnnotationUse> find(Element element, String annotationType) {
        for (AnnotationMirror mirror : element.getAnnotationMirrors()) {
            TypeElement annotation = (TypeElement) mirror.getAnnotationType().asElement();
            if (annotation.getQualifiedName().contentEquals(annotationType)) {
                return Optional.of(AnnotationUse.of(element, mirror, elements.getElementValuesWithDefaults(mirror)));
            }
        }
        return Optional.empty();
    }

    private static boolean isLayerType(VariableElement field) {
        if (field.asType().getKind() != TypeKind.DECLARED) {
            return false;
        }
        Element typeElement = ((DeclaredType) field.asType()).asElement();
        return typeElement instanceof TypeElement t && t.getQualifiedName().contentEquals(KilnAnnotations.LAYER_TYPE);
    }
}
