package dev.kiln.processor.validate;

import dev.kiln.processor.read.AnnotationUse;
import javax.annotation.processing.Messager;
import javax.lang.model.element.AnnotationValue;
import javax.lang.model.element.Element;
import javax.tools.Diagnostic;

/** Reports errors at the most precise place javac can show: an annotation value, an annotation, an element. */
public final class Diagnostics {
    private final Messager messager;
    private int errors;

    public Diagnostics(Messager messager) {
        this.messager = messager;
    }

    public void error(Element element, String message) {
        errors++;
        messager.printMessage(Diagnostic.Kind.ERROR, message, element);
    }

    public void error(AnnotationUse use, String message) {
        errors++;
        messager.printMessage(Diagnostic.Kind.ERROR, message, use.element(), use.mirror());
    }

    /** An error on one value of an annotation, e.g. {@code in = 0} of {@code @Linear}. */
    public void error(AnnotationUse use, String valueName, String message) {
        AnnotationValue value = use.value(valueName);
        errors++;
        if (value == null) {
            messager.printMessage(Diagnostic.Kind.ERROR, message, use.element(), use.mirror());
        } else {
            messager.printMessage(Diagnostic.Kind.ERROR, message, use.element(), use.mirror(), value);
        }
    }

    public int errorCount() {
        return errors;
    }
}
