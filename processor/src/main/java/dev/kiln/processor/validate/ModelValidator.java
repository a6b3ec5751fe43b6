package dev.kiln.processor.validate;

import dev.kiln.Reduction;
import dev.kiln.processor.read.AnnotationUse;
import dev.kiln.processor.read.FieldDeclaration;
import dev.kiln.processor.read.KilnAnnotations;
import dev.kiln.processor.read.ModelDeclaration;
import dev.kiln.processor.spec.ActivationSpec;
import dev.kiln.processor.spec.LayerSpec;
import dev.kiln.processor.spec.LossSpec;
import dev.kiln.processor.spec.ModelSpec;
import dev.kiln.processor.spec.OptimizerSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import javax.lang.model.element.Element;
import javax.lang.model.element.ElementKind;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.Modifier;
import javax.lang.model.element.NestingKind;
import javax.lang.model.element.PackageElement;
import javax.lang.model.element.TypeElement;
import javax.lang.model.element.VariableElement;
import javax.lang.model.util.ElementFilter;
import javax.lang.model.util.Elements;
import javax.lang.model.util.Types;

/**
 * Checks a {@link ModelDeclaration} against every rule and reports each problem on the element or
 * annotation value at fault, with the fix in the message. Returns a {@link ModelSpec} only when the
 * model is valid, so the emitter never sees a broken model.
 */
public final class ModelValidator {
    private final Diagnostics diagnostics;
    private final Elements elements;
    private final Types types;

    public ModelValidator(Diagnostics diagnostics, Elements elements, Types types) {
        this.diagnostics = diagnostics;
        this.elements = elements;
        this.types = types;
    }

    public Optional<ModelSpec> validate(ModelDeclaration model) {
        int errorsBefore = diagnostics.errorCount();
        TypeElement type = model.type();
        boolean classOk = checkClass(model);
        List<LayerSpec> layers = checkLayers(model);
        LossSpec loss = checkLoss(model, layers);
        OptimizerSpec optimizer = checkOptimizer(model);
        if (!classOk || diagnostics.errorCount() != errorsBefore || layers.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new ModelSpec(packageOf(type), simpleNames(type), layers, loss, optimizer));
    }

    // ---- the class ------------------------------------------------------------------------------

    private boolean checkClass(ModelDeclaration model) {
        TypeElement type = model.type();
        String name = type.getSimpleName().toString();
        if (type.getKind() != ElementKind.CLASS) {
            diagnostics.error(type, "@Model goes on a class, not on " + article(type.getKind()) + ": Kiln generates "
                    + "a subclass of it. Declare " + name + " as an abstract class.");
            return false;
        }
        int errorsBefore = diagnostics.errorCount();
        if (type.getModifiers().contains(Modifier.FINAL)) {
            diagnostics.error(type, "@Model class " + name + " must not be final: Kiln generates a subclass, "
                    + generatedName(type) + ". Remove 'final'.");
        }
        if (type.getModifiers().contains(Modifier.PRIVATE)) {
            diagnostics.error(type, "@Model class " + name + " must not be private: the generated " + generatedName(type)
                    + " in the same package extends it. Make it package-private or public.");
        }
        if (type.getNestingKind() == NestingKind.MEMBER && !type.getModifiers().contains(Modifier.STATIC)) {
            diagnostics.error(type, "@Model class " + name + " is an inner class: Kiln's generated subclass cannot "
                    + "supply an enclosing instance. Make it a static nested class.");
        } else if (type.getNestingKind() == NestingKind.LOCAL || type.getNestingKind() == NestingKind.ANONYMOUS) {
            diagnostics.error(type, "@Model class " + name + " is a local class: Kiln generates a top-level subclass. "
                    + "Move it to the top level or make it a static nested class.");
        }
        for (Element outer = type.getEnclosingElement(); outer instanceof TypeElement t; outer = t.getEnclosingElement()) {
            if (t.getModifiers().contains(Modifier.PRIVATE)) {
                diagnostics.error(type, "@Model class " + name + " is nested in private class " + t.getSimpleName()
                        + ", which the generated " + generatedName(type) + " cannot see. Make "
                        + t.getSimpleName() + " package-private or public.");
            }
        }
        if (!type.getTypeParameters().isEmpty()) {
            diagnostics.error(type, "@Model class " + name + " must not be generic: the generated model has fixed "
                    + "types. Remove the type parameters.");
        }
        checkConstructor(type);
        checkAbstractMethods(type);
        return diagnostics.errorCount() == errorsBefore;
    }

    private void checkConstructor(TypeElement type) {
        List<ExecutableElement> constructors = ElementFilter.constructorsIn(type.getEnclosedElements());
        boolean usable = constructors.stream().anyMatch(c -> c.getParameters().isEmpty()
                && !c.getModifiers().contains(Modifier.PRIVATE));
        if (!usable) {
            diagnostics.error(type, "@Model class " + type.getSimpleName() + " needs a non-private constructor "
                    + "without parameters: the generated " + generatedName(type) + " calls super(). Add "
                    + type.getSimpleName() + "() {}.");
        }
    }

    /** Abstract methods other than KilnModel's would leave the generated class abstract. */
    private void checkAbstractMethods(TypeElement type) {
        TypeElement kilnModel = elements.getTypeElement(KilnAnnotations.MODEL_INTERFACE);
        List<ExecutableElement> provided = kilnModel == null ? List.of()
                : ElementFilter.methodsIn(elements.getAllMembers(kilnModel));
        for (ExecutableElement method : ElementFilter.methodsIn(elements.getAllMembers(type))) {
            if (!method.getModifiers().contains(Modifier.ABSTRACT)) {
                continue;
            }
            boolean implemented = provided.stream().anyMatch(p -> p.getSimpleName().equals(method.getSimpleName())
                    && types.isSubsignature((javax.lang.model.type.ExecutableType) p.asType(),
                    (javax.lang.model.type.ExecutableType) method.asType()));
            if (!implemented) {
                Element where = method.getEnclosingElement().equals(type) ? method : type;
                diagnostics.error(where, "@Model class " + type.getSimpleName() + " has abstract method "
                        + method.getSimpleName() + method.getParameters().stream()
                        .map(p -> p.asType().toString()).collect(java.util.stream.Collectors.joining(", ", "(", ")"))
                        + ", which the generated " + generatedName(type) + " cannot implement. Give it a body or "
                        + "remove it.");
            }
        }
    }

    // ---- layers ---------------------------------------------------------------------------------

    private List<LayerSpec> checkLayers(ModelDeclaration model) {
        List<LayerSpec> layers = new ArrayList<>();
        FieldDeclaration previous = null;
        int previousOut = -1;
        boolean shapesOk = true;
        boolean anyLinear = false;
        for (FieldDeclaration field : model.fields()) {
            if (field.linear().isEmpty()) {
                reportStrayField(field);
                continue;
            }
            anyLinear = true;
            AnnotationUse linear = field.linear().get();
            int errorsBefore = diagnostics.errorCount();
            checkLayerField(field);
            int in = linear.intValue("in");
            int out = linear.intValue("out");
            if (in < 1) {
                diagnostics.error(linear, "in", "@Linear(in = " + show(in) + ") on " + field.name()
                        + ": a layer needs at least 1 input feature. Set in to the width of its input.");
            }
            if (out < 1) {
                diagnostics.error(linear, "out", "@Linear(out = " + show(out) + ") on " + field.name()
                        + ": a layer needs at least 1 output feature. Set out to the width of its output.");
            }
            if (in >= 1 && out >= 1 && (long) in * out + out > Integer.MAX_VALUE / 4) {
                diagnostics.error(linear, "@Linear(in = " + in + ", out = " + out + ") on " + field.name()
                        + " has more parameters than a Java array can hold. Use smaller layers.");
            }
            if (previous != null && in >= 1 && previousOut >= 1 && in != previousOut) {
                diagnostics.error(linear, "in", "@Linear(in = " + in + ") on " + field.name() + " does not match the "
                        + "previous layer " + previous.name() + ", which has out = " + previousOut
                        + ": layers run in declaration order. Set in = " + previousOut + " on " + field.name()
                        + " or out = " + in + " on " + previous.name() + ".");
            }
            ActivationSpec activation = checkActivation(field);
            double dropout = checkDropout(field);
            if (in < 1 || out < 1) {
                shapesOk = false;
            }
            if (diagnostics.errorCount() == errorsBefore && shapesOk) {
                layers.add(new LayerSpec(field.name(), in, out, linear.booleanValue("bias"), activation, dropout));
            }
            previous = field;
            previousOut = out;
        }
        long total = layers.stream().mapToLong(l -> (long) l.in() * l.out() + l.out()).sum();
        if (total > Integer.MAX_VALUE / 4) {
            diagnostics.error(model.type(), "@Model class " + model.type().getSimpleName() + " has " + total
                    + " parameters, more than Kiln's flat parameter array can hold. Use smaller layers.");
        }
        if (!anyLinear) {
            diagnostics.error(model.type(), "@Model class " + model.type().getSimpleName() + " declares no layers. "
                    + "Add fields such as '@Linear(in = 784, out = 10) Layer fc;'.");
        }
        return layers;
    }

    /** A field with a Kiln annotation or of type Layer but without @Linear. */
    private void reportStrayField(FieldDeclaration field) {
        if (!field.activations().isEmpty()) {
            AnnotationUse first = field.activations().get(0);
            diagnostics.error(first, first.display() + " on " + field.name() + " needs @Linear on the same field: "
                    + "an activation runs after a layer. Add @Linear(in = ..., out = ...) to " + field.name() + ".");
        }
        if (field.dropout().isPresent()) {
            diagnostics.error(field.dropout().get(), "@Dropout on " + field.name() + " needs @Linear on the same "
                    + "field: dropout runs after a layer. Add @Linear(in = ..., out = ...) to " + field.name() + ".");
        }
        if (field.activations().isEmpty() && field.dropout().isEmpty()
                && !field.field().getModifiers().contains(Modifier.STATIC)) {
            diagnostics.error(field.field(), "Layer field " + field.name() + " has no @Linear, so Kiln would leave it "
                    + "null. Annotate it with @Linear(in = ..., out = ...) or change its type.");
        }
    }

    private void checkLayerField(FieldDeclaration field) {
        VariableElement element = field.field();
        Set<Modifier> modifiers = element.getModifiers();
        if (!field.layerTyped()) {
            diagnostics.error(element, "@Linear field " + field.name() + " has type " + element.asType()
                    + ": layer fields must have type dev.kiln.Layer, which the generated class assigns. "
                    + "Declare it as 'Layer " + field.name() + ";'.");
        }
        for (Modifier forbidden : List.of(Modifier.PRIVATE, Modifier.FINAL, Modifier.STATIC)) {
            if (modifiers.contains(forbidden)) {
                diagnostics.error(element, "@Linear field " + field.name() + " must not be " + forbidden
                        + ": the generated subclass assigns it once per model instance. Remove '" + forbidden + "'.");
            }
        }
    }

    private ActivationSpec checkActivation(FieldDeclaration field) {
        List<AnnotationUse> activations = field.activations();
        if (activations.size() > 1) {
            for (AnnotationUse extra : activations.subList(1, activations.size())) {
                diagnostics.error(extra, field.name() + " has two activations, " + activations.get(0).display()
                        + " and " + extra.display() + ": a layer takes at most one. Remove one, or add another "
                        + "@Linear layer for the second.");
            }
            return ActivationSpec.IDENTITY;
        }
        if (activations.isEmpty()) {
            return ActivationSpec.IDENTITY;
        }
        AnnotationUse use = activations.get(0);
        String simpleName = use.display().substring(1);
        switch (simpleName) {
            case "Relu":
                return new ActivationSpec(ActivationSpec.Kind.RELU, 0);
            case "Tanh":
                return new ActivationSpec(ActivationSpec.Kind.TANH, 0);
            case "Sigmoid":
                return new ActivationSpec(ActivationSpec.Kind.SIGMOID, 0);
            case "Silu":
                return new ActivationSpec(ActivationSpec.Kind.SILU, 0);
            case "Gelu":
                return new ActivationSpec("TANH".equals(use.enumValue("approximate"))
                        ? ActivationSpec.Kind.GELU_TANH : ActivationSpec.Kind.GELU, 0);
            case "LeakyRelu": {
                double slope = use.doubleValue("negativeSlope");
                if (!Double.isFinite(slope)) {
                    diagnostics.error(use, "negativeSlope", "@LeakyRelu(negativeSlope = " + slope + ") on "
                            + field.name() + ": the slope must be a finite number, such as 0.01.");
                }
                return new ActivationSpec(ActivationSpec.Kind.LEAKY_RELU, slope);
            }
            default:
                throw new IllegalStateException("unknown activation " + simpleName);
        }
    }

    private double checkDropout(FieldDeclaration field) {
        if (field.dropout().isEmpty()) {
            return 0;
        }
        AnnotationUse use = field.dropout().get();
        double p = use.doubleValue("p");
        if (!(p >= 0 && p <= 1)) {
            diagnostics.error(use, "p", "@Dropout(p = " + p + ") on " + field.name() + ": p is a probability and "
                    + "must be between 0 and 1, as in PyTorch.");
        }
        return p;
    }

    // ---- loss -----------------------------------------------------------------------------------

    private LossSpec checkLoss(ModelDeclaration model, List<LayerSpec> layers) {
        if (model.loss().isEmpty()) {
            return LossSpec.DEFAULT;
        }
        AnnotationUse loss = model.loss().get();
        double smoothing = loss.doubleValue("labelSmoothing");
        if (!(smoothing >= 0 && smoothing <= 1)) {
            diagnostics.error(loss, "labelSmoothing", "@Loss(labelSmoothing = " + smoothing + "): label smoothing "
                    + "must be between 0.0 and 1.0 (0 = none). Kiln also rejects negative values, which PyTorch "
                    + "silently treats as 0.");
        }
        List<Double> weights = loss.doubleValues("weight");
        boolean layersComplete = layers.size() == model.fields().stream().filter(f -> f.linear().isPresent()).count();
        if (!weights.isEmpty() && !layers.isEmpty() && layersComplete) {
            int classes = layers.get(layers.size() - 1).out();
            if (weights.size() != classes) {
                diagnostics.error(loss, "weight", "@Loss(weight = ...) has " + weights.size() + " values but the model "
                        + "has " + classes + " classes (the last layer's out): give one weight per class, or none.");
            }
        }
        for (int i = 0; i < weights.size(); i++) {
            double w = weights.get(i);
            if (!(w >= 0) || Double.isInfinite(w)) {
                diagnostics.error(loss, "weight", "@Loss(weight = ...) value " + i + " is " + w
                        + ": class weights must be finite and not negative.");
            }
        }
        Reduction reduction = Reduction.valueOf(loss.enumValue("reduction").isEmpty()
                ? "MEAN" : loss.enumValue("reduction"));
        return new LossSpec(smoothing, weights, loss.intValue("ignoreIndex"), reduction);
    }

    // ---- optimizer ------------------------------------------------------------------------------

    private OptimizerSpec checkOptimizer(ModelDeclaration model) {
        List<AnnotationUse> optimizers = model.optimizers();
        if (optimizers.isEmpty()) {
            diagnostics.error(model.type(), "@Model class " + model.type().getSimpleName() + " has no optimizer. Add "
                    + "exactly one of @Sgd(lr = 0.1), @Adam or @AdamW next to @Model.");
            return null;
        }
        if (optimizers.size() > 1) {
            for (AnnotationUse extra : optimizers.subList(1, optimizers.size())) {
                diagnostics.error(extra, "@Model class " + model.type().getSimpleName() + " has two optimizers, "
                        + optimizers.get(0).display() + " and " + extra.display() + ": keep exactly one.");
            }
            return null;
        }
        AnnotationUse use = optimizers.get(0);
        if (use.display().equals("@Sgd")) {
            double lr = nonNegative(use, "lr", "the learning rate");
            double momentum = nonNegative(use, "momentum", "momentum");
            double dampening = use.doubleValue("dampening");
            if (!(dampening >= 0 && dampening <= 1)) {
                diagnostics.error(use, "dampening", "@Sgd(dampening = " + dampening + "): dampening must be between "
                        + "0 and 1.");
            }
            double weightDecay = nonNegative(use, "weightDecay", "weight decay");
            boolean nesterov = use.booleanValue("nesterov");
            if (nesterov && (momentum <= 0 || dampening != 0)) {
                diagnostics.error(use, "nesterov", "@Sgd(nesterov = true) needs momentum > 0 and dampening = 0 "
                        + "(as PyTorch); set momentum, e.g. momentum = 0.9, and leave dampening at 0.");
            }
            return new OptimizerSpec.Sgd(lr, momentum, dampening, weightDecay, nesterov);
        }
        double lr = nonNegative(use, "lr", "the learning rate");
        double beta1 = beta(use, "beta1");
        double beta2 = beta(use, "beta2");
        double eps = nonNegative(use, "eps", "eps");
        double weightDecay = nonNegative(use, "weightDecay", "weight decay");
        return new OptimizerSpec.Adam(lr, beta1, beta2, eps, weightDecay, use.booleanValue("amsgrad"),
                use.display().equals("@AdamW"));
    }

    private double nonNegative(AnnotationUse use, String name, String what) {
        double v = use.doubleValue(name);
        if (!(v >= 0) || Double.isInfinite(v)) {
            diagnostics.error(use, name, use.display() + "(" + name + " = " + v + "): " + what
                    + " must be a finite number >= 0.");
        }
        return v;
    }

    private double beta(AnnotationUse use, String name) {
        double v = use.doubleValue(name);
        if (!(v >= 0 && v < 1)) {
            diagnostics.error(use, name, use.display() + "(" + name + " = " + v + "): betas must be in [0, 1), "
                    + "such as 0.9 or 0.999.");
        }
        return v;
    }

    // ---- names ----------------------------------------------------------------------------------

    static String generatedName(TypeElement type) {
        return "Kiln" + String.join("_", simpleNames(type));
    }

    static List<String> simpleNames(TypeElement type) {
        List<String> names = new ArrayList<>();
        for (Element e = type; e instanceof TypeElement t; e = t.getEnclosingElement()) {
            names.add(0, t.getSimpleName().toString());
        }
        return names;
    }

    private String packageOf(TypeElement type) {
        PackageElement pkg = elements.getPackageOf(type);
        return pkg.isUnnamed() ? "" : pkg.getQualifiedName().toString();
    }

    private static String article(ElementKind kind) {
        String name = kind.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ');
        return (name.startsWith("a") || name.startsWith("e") || name.startsWith("i") ? "an " : "a ") + name;
    }

    private static String show(int value) {
        return value == Integer.MIN_VALUE ? "?" : Integer.toString(value);
    }
}
