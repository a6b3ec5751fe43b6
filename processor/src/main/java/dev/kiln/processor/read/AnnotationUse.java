package dev.kiln.processor.read;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.AnnotationValue;
import javax.lang.model.element.Element;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.VariableElement;

/**
 * One Kiln annotation as written in the source: where it is, its mirror (so diagnostics can point at
 * it or at one of its values) and its values with defaults applied.
 */
public record AnnotationUse(Element element, AnnotationMirror mirror, Map<String, AnnotationValue> values) {

    public AnnotationUse {
        values = Map.copyOf(values);
    }

    /** {@code @Linear}, for messages. */
    public String display() {
        return "@" + mirror.getAnnotationType().asElement().getSimpleName();
    }

    /** The value of an element, default applied; null if the name is not an element of the annotation. */
    public AnnotationValue value(String name) {
        return values.get(name);
    }

    /** A numeric element as double, NaN when the source value is not a number (an erroneous constant). */
    public double doubleValue(String name) {
        Object v = value(name).getValue();
        return v instanceof Number number ? number.doubleValue() : Double.NaN;
    }

    /** An int element; {@code Integer.MIN_VALUE} when the value is not an int (an erroneous constant). */
    public int intValue(String name) {
        Object v = value(name).getValue();
        return v instanceof Integer i ? i : Integer.MIN_VALUE;
    }

    public boolean booleanValue(String name) {
        return Boolean.TRUE.equals(value(name).getValue());
    }

    /** The constant name of an enum element, e.g. {@code "MEAN"}. */
    public String enumValue(String name) {
        Object v = value(name).getValue();
        return v instanceof VariableElement constant ? constant.getSimpleName().toString() : "";
    }

    /** The elements of an array-valued element, each as double (NaN for non-numbers). */
    public List<Double> doubleValues(String name) {
        List<Double> result = new ArrayList<>();
        if (value(name).getValue() instanceof List<?> list) {
            for (Object item : list) {
                Object v = item instanceof AnnotationValue av ? av.getValue() : null;
                result.add(v instanceof Number number ? number.doubleValue() : Double.NaN);
            }
        }
        return result;
    }

    /** Reads an annotation mirror with its defaults. */
    static AnnotationUse of(Element element, AnnotationMirror mirror,
                            Map<? extends ExecutableElement, ? extends AnnotationValue> withDefaults) {
        Map<String, AnnotationValue> values = new java.util.LinkedHashMap<>();
        withDefaults.forEach((k, v) -> values.put(k.getSimpleName().toString(), v));
        return new AnnotationUse(element, mirror, values);
    }
}
