package dev.kiln.processor;

import com.google.auto.service.AutoService;
import dev.kiln.processor.emit.ModelEmitter;
import dev.kiln.processor.read.AnnotationUse;
import dev.kiln.processor.read.KilnAnnotations;
import dev.kiln.processor.read.ModelDeclaration;
import dev.kiln.processor.read.ModelReader;
import dev.kiln.processor.spec.ModelSpec;
import dev.kiln.processor.validate.Diagnostics;
import dev.kiln.processor.validate.ModelValidator;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Optional;
import java.util.Set;
import javax.annotation.processing.AbstractProcessor;
import javax.annotation.processing.Processor;
import javax.annotation.processing.RoundEnvironment;
import javax.lang.model.SourceVersion;
import javax.lang.model.element.Element;
import javax.lang.model.element.ElementKind;
import javax.lang.model.element.TypeElement;
import javax.tools.Diagnostic;

/**
 * Kiln's annotation processor: for each {@code @Model} class, read it ({@link ModelReader}), check it
 * ({@link ModelValidator}) and, when it is valid, write its {@code Kiln<Name>} class
 * ({@link ModelEmitter}). Kiln annotations outside a {@code @Model} class are reported too. An
 * unexpected exception becomes an "internal error" diagnostic on the model, never a crash.
 */
@AutoService(Processor.class)
public final class KilnProcessor extends AbstractProcessor {

    @Override
    public Set<String> getSupportedAnnotationTypes() {
        return KilnAnnotations.ALL;
    }

    @Override
    public SourceVersion getSupportedSourceVersion() {
        return SourceVersion.latestSupported();
    }

    @Override
    public boolean process(Set<? extends TypeElement> annotations, RoundEnvironment round) {
        Diagnostics diagnostics = new Diagnostics(processingEnv.getMessager());
        ModelReader reader = new ModelReader(processingEnv.getElementUtils());
        ModelValidator validator = new ModelValidator(diagnostics, processingEnv.getElementUtils(),
                processingEnv.getTypeUtils());
        for (TypeElement annotation : annotations) {
            String name = annotation.getQualifiedName().toString();
            for (Element element : round.getElementsAnnotatedWith(annotation)) {
                if (name.equals(KilnAnnotations.MODEL)) {
                    processModel(element, reader, validator);
                } else {
                    reportOutsideModel(element, name, reader, diagnostics);
                }
            }
        }
        return false;
    }

    private void processModel(Element element, ModelReader reader, ModelValidator validator) {
        try {
            if (!(element instanceof TypeElement type) || element.getKind() == ElementKind.ANNOTATION_TYPE) {
                processingEnv.getMessager().printMessage(Diagnostic.Kind.ERROR,
                        "@Model goes on a class: Kiln generates a subclass of it.", element);
                return;
            }
            ModelDeclaration declaration = reader.read(type);
            Optional<ModelSpec> spec = validator.validate(declaration);
            if (spec.isPresent()) {
                ModelEmitter.emit(spec.get()).writeTo(processingEnv.getFiler());
            }
        } catch (IOException e) {
            processingEnv.getMessager().printMessage(Diagnostic.Kind.ERROR,
                    "Kiln could not write the generated class: " + e.getMessage(), element);
        } catch (RuntimeException | Error e) {
            StringWriter trace = new StringWriter();
            e.printStackTrace(new PrintWriter(trace));
            processingEnv.getMessager().printMessage(Diagnostic.Kind.ERROR,
                    "Kiln internal error while processing this model; please report it with this trace: "
                            + trace, element);
        }
    }

    /** Field and class annotations only mean something inside a {@code @Model} class. */
    private static void reportOutsideModel(Element element, String annotation, ModelReader reader,
                                           Diagnostics diagnostics) {
        Element owner = KilnAnnotations.FIELD_ANNOTATIONS.contains(annotation) ? element.getEnclosingElement() : element;
        if (owner != null && reader.find(owner, KilnAnnotations.MODEL).isPresent()) {
            return;
        }
        AnnotationUse use = reader.find(element, annotation).orElseThrow();
        if (KilnAnnotations.FIELD_ANNOTATIONS.contains(annotation)) {
            diagnostics.error(use, use.display() + " on " + element.getSimpleName() + " has no effect: "
                    + (owner == null ? "it" : owner.getSimpleName()) + " is not a @Model class. Add @Model to "
                    + "the class that declares it.");
        } else {
            diagnostics.error(use, use.display() + " on " + element.getSimpleName() + " has no effect without "
                    + "@Model. Add @Model to " + element.getSimpleName() + ".");
        }
    }
}
