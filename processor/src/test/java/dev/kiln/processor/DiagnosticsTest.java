package dev.kiln.processor;

import static com.google.testing.compile.CompilationSubject.assertThat;

import com.google.testing.compile.Compilation;
import com.google.testing.compile.Compiler;
import com.google.testing.compile.JavaFileObjects;
import javax.tools.JavaFileObject;
import org.junit.jupiter.api.Test;

/**
 * Every compile-time rule: the build fails with an error on the offending line that says what is
 * wrong and how to fix it. Sources are written line by line, so the asserted line numbers are the
 * 1-based positions in each array.
 */
class DiagnosticsTest {

    private static JavaFileObject source(String... lines) {
        return JavaFileObjects.forSourceLines("test.Net", lines);
    }

    private static Compilation compile(JavaFileObject source) {
        return Compiler.javac().withProcessors(new KilnProcessor()).compile(source);
    }

    private static void assertError(JavaFileObject source, long line, String message) {
        Compilation compilation = compile(source);
        assertThat(compilation).failed();
        assertThat(compilation).hadErrorContaining(message).inFile(source).onLine(line);
    }

    @Test
    void validModelCompilesWithoutWarnings() {
        JavaFileObject source = source(
                "package test;",
                "import dev.kiln.*;",
                "@Model @Loss(labelSmoothing = 0.1) @Sgd(lr = 0.1)",
                "public abstract class Net {",
                "    @Linear(in = 3, out = 4) @Relu Layer fc1;",
                "    @Linear(in = 4, out = 3) Layer fc2;",
                "}");
        Compilation compilation = compile(source);
        assertThat(compilation).succeededWithoutWarnings();
        assertThat(compilation).generatedSourceFile("test.KilnNet");
    }

    @Test
    void layerChainMismatch() {
        assertError(source(
                "package test;",
                "import dev.kiln.*;",
                "@Model @Sgd(lr = 0.1)",
                "abstract class Net {",
                "    @Linear(in = 3, out = 4) Layer fc1;",
                "    @Linear(in = 5, out = 2) Layer fc2;",
                "}"), 6, "@Linear(in = 5) on fc2 does not match the previous layer fc1, which has out = 4: "
                + "layers run in declaration order. Set in = 4 on fc2 or out = 5 on fc1.");
    }

    @Test
    void inMustBePositive() {
        assertError(source(
                "package test;",
                "import dev.kiln.*;",
                "@Model @Sgd(lr = 0.1)",
                "abstract class Net {",
                "    @Linear(in = 0, out = 4) Layer fc1;",
                "}"), 5, "@Linear(in = 0) on fc1: a layer needs at least 1 input feature");
    }

    @Test
    void outMustBePositive() {
        assertError(source(
                "package test;",
                "import dev.kiln.*;",
                "@Model @Sgd(lr = 0.1)",
                "abstract class Net {",
                "    @Linear(in = 2, out = 4) Layer fc1;",
                "    @Linear(in = 4,",
                "            out = -3) Layer fc2;",
                "}"), 7, "@Linear(out = -3) on fc2: a layer needs at least 1 output feature");
    }

    @Test
    void modelNeedsLayers() {
        assertError(source(
                "package test;",
                "import dev.kiln.*;",
                "@Model @Sgd(lr = 0.1)",
                "abstract class Net {",
                "    int notALayer;",
                "}"), 4, "@Model class Net declares no layers. Add fields such as '@Linear(in = 784, out = 10) Layer fc;'");
    }

    @Test
    void layerFieldMustNotBePrivate() {
        assertError(source(
                "package test;",
                "import dev.kiln.*;",
                "@Model @Sgd(lr = 0.1)",
                "abstract class Net {",
                "    @Linear(in = 2, out = 2)",
                "    private Layer fc;",
                "}"), 6, "@Linear field fc must not be private: the generated subclass assigns it");
    }

    @Test
    void layerFieldMustNotBeFinal() {
        assertError(source(
                "package test;",
                "import dev.kiln.*;",
                "@Model @Sgd(lr = 0.1)",
                "abstract class Net {",
                "    @Linear(in = 2, out = 2) final Layer fc = null;",
                "}"), 5, "@Linear field fc must not be final");
    }

    @Test
    void layerFieldMustNotBeStatic() {
        assertError(source(
                "package test;",
                "import dev.kiln.*;",
                "@Model @Sgd(lr = 0.1)",
                "abstract class Net {",
                "    @Linear(in = 2, out = 2) static Layer fc;",
                "}"), 5, "@Linear field fc must not be static");
    }

    @Test
    void layerFieldMustHaveTypeLayer() {
        assertError(source(
                "package test;",
                "import dev.kiln.*;",
                "@Model @Sgd(lr = 0.1)",
                "abstract class Net {",
                "    @Linear(in = 2, out = 2) Object fc;",
                "}"), 5, "@Linear field fc has type java.lang.Object: layer fields must have type dev.kiln.Layer");
    }

    @Test
    void oneActivationPerLayer() {
        assertError(source(
                "package test;",
                "import dev.kiln.*;",
                "@Model @Sgd(lr = 0.1)",
                "abstract class Net {",
                "    @Linear(in = 2, out = 2)",
                "    @Relu",
                "    @Tanh",
                "    Layer fc;",
                "}"), 7, "fc has two activations, @Relu and @Tanh: a layer takes at most one");
    }

    @Test
    void activationNeedsLinear() {
        assertError(source(
                "package test;",
                "import dev.kiln.*;",
                "@Model @Sgd(lr = 0.1)",
                "abstract class Net {",
                "    @Linear(in = 2, out = 2) Layer fc;",
                "    @Sigmoid Layer act;",
                "}"), 6, "@Sigmoid on act needs @Linear on the same field");
    }

    @Test
    void layerFieldWithoutLinear() {
        assertError(source(
                "package test;",
                "import dev.kiln.*;",
                "@Model @Sgd(lr = 0.1)",
                "abstract class Net {",
                "    @Linear(in = 2, out = 2) Layer fc;",
                "    Layer spare;",
                "}"), 6, "Layer field spare has no @Linear, so Kiln would leave it null");
    }

    @Test
    void modelClassMustNotBeFinal() {
        assertError(source(
                "package test;",
                "import dev.kiln.*;",
                "@Model @Sgd(lr = 0.1)",
                "final class Net {",
                "    @Linear(in = 2, out = 2) Layer fc;",
                "}"), 4, "@Model class Net must not be final: Kiln generates a subclass, KilnNet. Remove 'final'.");
    }

    @Test
    void modelClassMustNotBePrivate() {
        assertError(source(
                "package test;",
                "import dev.kiln.*;",
                "class Net {",
                "    @Model @Sgd(lr = 0.1)",
                "    private static abstract class Inner {",
                "        @Linear(in = 2, out = 2) Layer fc;",
                "    }",
                "}"), 5, "@Model class Inner must not be private: the generated KilnNet_Inner");
    }

    @Test
    void modelClassMustNotBeInner() {
        assertError(source(
                "package test;",
                "import dev.kiln.*;",
                "class Net {",
                "    @Model @Sgd(lr = 0.1)",
                "    abstract class Inner {",
                "        @Linear(in = 2, out = 2) Layer fc;",
                "    }",
                "}"), 5, "@Model class Inner is an inner class");
    }

    @Test
    void modelClassMustNotBeGeneric() {
        assertError(source(
                "package test;",
                "import dev.kiln.*;",
                "@Model @Sgd(lr = 0.1)",
                "abstract class Net<T> {",
                "    @Linear(in = 2, out = 2) Layer fc;",
                "}"), 4, "@Model class Net must not be generic");
    }

    @Test
    void modelClassNeedsNoArgConstructor() {
        assertError(source(
                "package test;",
                "import dev.kiln.*;",
                "@Model @Sgd(lr = 0.1)",
                "abstract class Net {",
                "    @Linear(in = 2, out = 2) Layer fc;",
                "    Net(int size) {}",
                "}"), 4, "@Model class Net needs a non-private constructor without parameters");
    }

    @Test
    void modelClassMustNotHaveUnimplementableAbstractMethods() {
        assertError(source(
                "package test;",
                "import dev.kiln.*;",
                "@Model @Sgd(lr = 0.1)",
                "abstract class Net {",
                "    @Linear(in = 2, out = 2) Layer fc;",
                "    abstract void describe(int depth);",
                "}"), 6, "@Model class Net has abstract method describe(int), which the generated KilnNet cannot "
                + "implement");
    }

    @Test
    void modelMayDeclareKilnModelMethodsAbstract() {
        JavaFileObject source = source(
                "package test;",
                "import dev.kiln.*;",
                "@Model @Sgd(lr = 0.1)",
                "abstract class Net implements KilnModel {",
                "    @Linear(in = 2, out = 2) Layer fc;",
                "    public abstract float trainStep(float[] x, int[] labels, int n);",
                "}");
        assertThat(compile(source)).succeededWithoutWarnings();
    }

    @Test
    void modelOnInterface() {
        assertError(source(
                "package test;",
                "import dev.kiln.*;",
                "@Model",
                "interface Net {",
                "}"), 4, "@Model goes on a class, not on an interface");
    }

    @Test
    void labelSmoothingAboveOne() {
        assertError(source(
                "package test;",
                "import dev.kiln.*;",
                "@Model @Sgd(lr = 0.1)",
                "@Loss(labelSmoothing = 1.5)",
                "abstract class Net {",
                "    @Linear(in = 2, out = 2) Layer fc;",
                "}"), 4, "@Loss(labelSmoothing = 1.5): label smoothing must be between 0.0 and 1.0");
    }

    @Test
    void negativeLabelSmoothing() {
        assertError(source(
                "package test;",
                "import dev.kiln.*;",
                "@Model @Sgd(lr = 0.1)",
                "@Loss(labelSmoothing = -0.1)",
                "abstract class Net {",
                "    @Linear(in = 2, out = 2) Layer fc;",
                "}"), 4, "Kiln also rejects negative values, which PyTorch silently treats as 0");
    }

    @Test
    void weightCountMustMatchClasses() {
        assertError(source(
                "package test;",
                "import dev.kiln.*;",
                "@Model @Sgd(lr = 0.1)",
                "@Loss(weight = {1, 2})",
                "abstract class Net {",
                "    @Linear(in = 2, out = 3) Layer fc;",
                "}"), 4, "@Loss(weight = ...) has 2 values but the model has 3 classes (the last layer's out)");
    }

    @Test
    void weightsMustNotBeNegative() {
        assertError(source(
                "package test;",
                "import dev.kiln.*;",
                "@Model @Sgd(lr = 0.1)",
                "@Loss(weight = {1, -2})",
                "abstract class Net {",
                "    @Linear(in = 2, out = 2) Layer fc;",
                "}"), 4, "@Loss(weight = ...) value 1 is -2.0: class weights must be finite and not negative");
    }

    @Test
    void negativeLearningRate() {
        assertError(source(
                "package test;",
                "import dev.kiln.*;",
                "@Model",
                "@Sgd(lr = -0.1)",
                "abstract class Net {",
                "    @Linear(in = 2, out = 2) Layer fc;",
                "}"), 4, "@Sgd(lr = -0.1): the learning rate must be a finite number >= 0");
    }

    @Test
    void negativeMomentum() {
        assertError(source(
                "package test;",
                "import dev.kiln.*;",
                "@Model",
                "@Sgd(lr = 0.1, momentum = -0.9)",
                "abstract class Net {",
                "    @Linear(in = 2, out = 2) Layer fc;",
                "}"), 4, "@Sgd(momentum = -0.9): momentum must be a finite number >= 0");
    }

    @Test
    void negativeWeightDecay() {
        assertError(source(
                "package test;",
                "import dev.kiln.*;",
                "@Model",
                "@Sgd(lr = 0.1, weightDecay = -1e-4)",
                "abstract class Net {",
                "    @Linear(in = 2, out = 2) Layer fc;",
                "}"), 4, "@Sgd(weightDecay = -1.0E-4): weight decay must be a finite number >= 0");
    }

    @Test
    void nesterovNeedsMomentum() {
        assertError(source(
                "package test;",
                "import dev.kiln.*;",
                "@Model",
                "@Sgd(lr = 0.1, nesterov = true)",
                "abstract class Net {",
                "    @Linear(in = 2, out = 2) Layer fc;",
                "}"), 4, "@Sgd(nesterov = true) needs momentum > 0 and dampening = 0");
    }

    @Test
    void nesterovRejectsDampening() {
        assertError(source(
                "package test;",
                "import dev.kiln.*;",
                "@Model",
                "@Sgd(lr = 0.1, momentum = 0.9, dampening = 0.1, nesterov = true)",
                "abstract class Net {",
                "    @Linear(in = 2, out = 2) Layer fc;",
                "}"), 4, "@Sgd(nesterov = true) needs momentum > 0 and dampening = 0");
    }

    @Test
    void oneOptimizerOnly() {
        assertError(source(
                "package test;",
                "import dev.kiln.*;",
                "@Model",
                "@Sgd(lr = 0.1)",
                "@Adam",
                "abstract class Net {",
                "    @Linear(in = 2, out = 2) Layer fc;",
                "}"), 5, "@Model class Net has two optimizers, @Sgd and @Adam: keep exactly one.");
    }

    @Test
    void optimizerRequired() {
        assertError(source(
                "package test;",
                "import dev.kiln.*;",
                "@Model",
                "abstract class Net {",
                "    @Linear(in = 2, out = 2) Layer fc;",
                "}"), 4, "@Model class Net has no optimizer. Add exactly one of @Sgd(lr = 0.1), @Adam or @AdamW");
    }

    @Test
    void adamBetaOutOfRange() {
        assertError(source(
                "package test;",
                "import dev.kiln.*;",
                "@Model",
                "@Adam(beta2 = 1.0)",
                "abstract class Net {",
                "    @Linear(in = 2, out = 2) Layer fc;",
                "}"), 4, "@Adam(beta2 = 1.0): betas must be in [0, 1)");
    }

    @Test
    void adamWNegativeEps() {
        assertError(source(
                "package test;",
                "import dev.kiln.*;",
                "@Model",
                "@AdamW(eps = -1e-8)",
                "abstract class Net {",
                "    @Linear(in = 2, out = 2) Layer fc;",
                "}"), 4, "@AdamW(eps = -1.0E-8): eps must be a finite number >= 0");
    }

    @Test
    void dropoutProbabilityRange() {
        assertError(source(
                "package test;",
                "import dev.kiln.*;",
                "@Model @Sgd(lr = 0.1)",
                "abstract class Net {",
                "    @Linear(in = 2, out = 2) @Relu",
                "    @Dropout(p = 1.5) Layer fc;",
                "}"), 6, "@Dropout(p = 1.5) on fc: p is a probability and must be between 0 and 1");
    }

    @Test
    void leakyReluSlopeMustBeFinite() {
        assertError(source(
                "package test;",
                "import dev.kiln.*;",
                "@Model @Sgd(lr = 0.1)",
                "abstract class Net {",
                "    @Linear(in = 2, out = 2)",
                "    @LeakyRelu(negativeSlope = Double.NaN) Layer fc;",
                "}"), 6, "@LeakyRelu(negativeSlope = NaN) on fc: the slope must be a finite number");
    }

    @Test
    void linearOutsideModel() {
        assertError(source(
                "package test;",
                "import dev.kiln.*;",
                "abstract class Net {",
                "    @Linear(in = 2, out = 2) Layer fc;",
                "}"), 4, "@Linear on fc has no effect: Net is not a @Model class. Add @Model to the class that declares it.");
    }

    @Test
    void optimizerWithoutModel() {
        assertError(source(
                "package test;",
                "import dev.kiln.*;",
                "@Sgd(lr = 0.1)",
                "abstract class Net {",
                "}"), 3, "@Sgd on Net has no effect without @Model. Add @Model to Net.");
    }

    @Test
    void everyProblemIsReportedInOneBuild() {
        JavaFileObject source = source(
                "package test;",
                "import dev.kiln.*;",
                "@Model @Sgd(lr = -1)",
                "@Loss(labelSmoothing = 2)",
                "final class Net {",
                "    @Linear(in = 3, out = 4) Layer fc1;",
                "    @Linear(in = 5, out = 2) private Layer fc2;",
                "}");
        Compilation compilation = compile(source);
        assertThat(compilation).hadErrorCount(5);
        assertThat(compilation).hadErrorContaining("must not be final").inFile(source).onLine(5);
        assertThat(compilation).hadErrorContaining("must not be private").inFile(source).onLine(7);
        assertThat(compilation).hadErrorContaining("does not match the previous layer").inFile(source).onLine(7);
        assertThat(compilation).hadErrorContaining("label smoothing must be between").inFile(source).onLine(4);
        assertThat(compilation).hadErrorContaining("the learning rate must be").inFile(source).onLine(3);
    }
}
