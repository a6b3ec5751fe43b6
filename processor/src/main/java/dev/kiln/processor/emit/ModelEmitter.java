package dev.kiln.processor.emit;

import com.palantir.javapoet.AnnotationSpec;
import com.palantir.javapoet.ArrayTypeName;
import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.FieldSpec;
import com.palantir.javapoet.JavaFile;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.ParameterizedTypeName;
import com.palantir.javapoet.TypeName;
import com.palantir.javapoet.TypeSpec;
import dev.kiln.processor.spec.ActivationSpec;
import dev.kiln.processor.spec.LayerSpec;
import dev.kiln.processor.spec.LossSpec;
import dev.kiln.processor.spec.ModelSpec;
import dev.kiln.processor.spec.OptimizerSpec;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import javax.lang.model.element.Modifier;

/**
 * Writes the {@code Kiln<Name>} class for a validated {@link ModelSpec}. Every shape is a compile-time
 * constant in the generated code; every loop runs in a runtime kernel. Output is deterministic: the
 * same model always gives the same source.
 */
public final class ModelEmitter {
    private static final String PROCESSOR = "dev.kiln.processor.KilnProcessor";

    private static final ClassName KILN_MODEL = ClassName.get("dev.kiln", "KilnModel");
    private static final ClassName OPTIONS = ClassName.get("dev.kiln", "Options");
    private static final ClassName LAYER = ClassName.get("dev.kiln", "Layer");
    private static final ClassName REDUCTION = ClassName.get("dev.kiln", "Reduction");
    private static final ClassName KERNELS = ClassName.get("dev.kiln.kernel", "Kernels");
    private static final ClassName ACTIVATION = ClassName.get("dev.kiln.kernel", "Activation");
    private static final ClassName CROSS_ENTROPY = ClassName.get("dev.kiln.kernel", "CrossEntropy");
    private static final ClassName ROWS = ClassName.get("dev.kiln.kernel", "Rows");
    private static final ClassName SMALL_LINEAR = ClassName.get("dev.kiln.kernel", "SmallLinear");
    private static final ClassName INFERENCE_WEIGHTS = ClassName.get("dev.kiln.kernel", "InferenceWeights");

    /**
     * Layers with at most this many weights are small: packing them for SIMD micro-kernels costs more
     * than it saves, so up to {@link #SMALL_WORK} multiply-adds they run as loops the JIT unrolls.
     */
    static final int SMALL_LAYER_WEIGHTS = 256;
    static final int SMALL_WORK = 1 << 14;
    private static final ClassName THREAD_TEAM = ClassName.get("dev.kiln.thread", "ThreadTeam");
    private static final ClassName ADAPTIVE_THREADS = ClassName.get("dev.kiln.thread", "AdaptiveThreads");
    private static final ClassName MERSENNE_TWISTER = ClassName.get("dev.kiln.random", "MersenneTwister");
    private static final ClassName TORCH_INIT = ClassName.get("dev.kiln.random", "TorchInit");
    private static final ClassName BERNOULLI = ClassName.get("dev.kiln.random", "Bernoulli");
    private static final ClassName OPTIMIZER = ClassName.get("dev.kiln.optim", "Optimizer");
    private static final ClassName SGD_OPTIMIZER = ClassName.get("dev.kiln.optim", "SgdOptimizer");
    private static final ClassName ADAM_OPTIMIZER = ClassName.get("dev.kiln.optim", "AdamOptimizer");
    private static final ClassName CHECKS = ClassName.get("dev.kiln.support", "Checks");
    private static final ClassName PARAMETER_TABLE = ClassName.get("dev.kiln.support", "ParameterTable");
    private static final ClassName MODEL_FILES = ClassName.get("dev.kiln.support", "ModelFiles");
    private static final ClassName PATH = ClassName.get("java.nio.file", "Path");
    private static final ClassName IO_EXCEPTION = ClassName.get("java.io", "IOException");
    private static final ClassName GENERATED = ClassName.get("javax.annotation.processing", "Generated");
    private static final TypeName METADATA =
            ParameterizedTypeName.get(ClassName.get("java.util", "Map"), ClassName.get(String.class), ClassName.get(String.class));
    private static final TypeName FLOATS = ArrayTypeName.of(TypeName.FLOAT);
    private static final TypeName INTS = ArrayTypeName.of(TypeName.INT);

    private final ModelSpec model;
    private final List<LayerSpec> layers;
    private final ClassName modelClass;
    private final ClassName generatedClass;

    private ModelEmitter(ModelSpec model) {
        this.model = model;
        this.layers = model.layers();
        List<String> names = model.modelSimpleNames();
        this.modelClass = ClassName.get(model.packageName(), names.get(0),
                names.subList(1, names.size()).toArray(new String[0]));
        this.generatedClass = ClassName.get(model.packageName(), model.generatedSimpleName());
    }

    /** The generated source file for the model. */
    public static JavaFile emit(ModelSpec model) {
        return new ModelEmitter(model).file();
    }

    private JavaFile file() {
        TypeSpec.Builder type = TypeSpec.classBuilder(generatedClass)
                .addJavadoc(classJavadoc())
                .addAnnotation(AnnotationSpec.builder(GENERATED).addMember("value", "$S", PROCESSOR).build())
                .addModifiers(Modifier.PUBLIC, Modifier.FINAL)
                .superclass(modelClass)
                .addSuperinterface(KILN_MODEL);
        addConstants(type);
        addFields(type);
        type.addMethod(defaultConstructor());
        type.addMethod(constructor());
        type.addMethod(trainStepLabels());
        type.addMethod(trainStepTargets());
        type.addMethod(lossMethod());
        type.addMethod(lossesMethod());
        type.addMethod(logitsMethod());
        type.addMethod(predictMethod());
        addAccessors(type);
        addFileMethods(type);
        type.addMethod(closeMethod());
        type.addMethod(toStringMethod());
        type.addMethod(forwardMethod());
        type.addMethod(backwardMethod());
        type.addMethod(ensureCapacityMethod());
        return JavaFile.builder(model.packageName(), type.build())
                .skipJavaLangImports(true)
                .indent("    ")
                .build();
    }

    // ---- documentation --------------------------------------------------------------------------

    private CodeBlock classJavadoc() {
        CodeBlock.Builder doc = CodeBlock.builder()
                .add("The Kiln trainer for {@link $T}, generated from its annotations:\n", modelClass)
                .add("change the model class and rebuild, never this file.\n\n")
                .add("<pre>\n");
        int width = Math.max("optimizer".length(), layers.stream().mapToInt(l -> l.name().length()).max().orElse(0));
        for (LayerSpec layer : layers) {
            doc.add("$L  $L\n", pad(layer.name(), width), describe(layer));
        }
        doc.add("$L  $L\n", pad("loss", width), describe(model.loss()))
                .add("$L  $L\n", pad("optimizer", width), describe(model.optimizer()))
                .add("</pre>\n\n")
                .add("<p>$L trainable parameters, initialised as PyTorch initialises the same layers after\n",
                        model.parameterCount())
                .add("{@code torch.manual_seed(options.seed())}. See {@link $T} for the contract.\n", KILN_MODEL);
        return doc.build();
    }

    private static String describe(LayerSpec layer) {
        StringBuilder sb = new StringBuilder("Linear(").append(layer.in()).append(" -> ").append(layer.out());
        if (!layer.bias()) {
            sb.append(", no bias");
        }
        sb.append(")");
        if (layer.hasActivation()) {
            sb.append(", ").append(activationName(layer.activation()));
        }
        if (layer.hasDropout()) {
            sb.append(", Dropout(").append(layer.dropout()).append(")");
        }
        return sb.toString();
    }

    private static String activationName(ActivationSpec activation) {
        switch (activation.kind()) {
            case LEAKY_RELU:
                return "LeakyReLU(" + activation.negativeSlope() + ")";
            case GELU_TANH:
                return "GELU(tanh)";
            case RELU:
                return "ReLU";
            case SILU:
                return "SiLU";
            default:
                String name = activation.kind().name();
                return name.charAt(0) + name.substring(1).toLowerCase(Locale.ROOT);
        }
    }

    private static String describe(LossSpec loss) {
        StringBuilder sb = new StringBuilder("CrossEntropy(");
        sb.append("labelSmoothing = ").append(loss.labelSmoothing());
        if (!loss.weights().isEmpty()) {
            sb.append(", weight = ").append(loss.weights());
        }
        sb.append(", ignoreIndex = ").append(loss.ignoreIndex()).append(", reduction = ").append(loss.reduction());
        return sb.append(")").toString();
    }

    private static String describe(OptimizerSpec optimizer) {
        if (optimizer instanceof OptimizerSpec.Sgd sgd) {
            return "SGD(lr = " + sgd.lr() + ", momentum = " + sgd.momentum() + ", dampening = " + sgd.dampening()
                    + ", weightDecay = " + sgd.weightDecay() + ", nesterov = " + sgd.nesterov() + ")";
        }
        OptimizerSpec.Adam adam = (OptimizerSpec.Adam) optimizer;
        return (adam.decoupled() ? "AdamW" : "Adam") + "(lr = " + adam.lr() + ", betas = (" + adam.beta1() + ", "
                + adam.beta2() + "), eps = " + adam.eps() + ", weightDecay = " + adam.weightDecay()
                + ", amsgrad = " + adam.amsgrad() + ")";
    }

    // ---- constants and fields -------------------------------------------------------------------

    private void addConstants(TypeSpec.Builder type) {
        type.addField(constant(TypeName.INT, "INPUTS", CodeBlock.of("$L", model.inputs()), "Input features per row."));
        type.addField(constant(TypeName.INT, "CLASSES", CodeBlock.of("$L", model.classes()),
                "Classes: the width of the logits."));
        type.addField(constant(TypeName.INT, "PARAMETERS", CodeBlock.of("$L", model.parameterCount()),
                "Trainable parameters."));
        int offset = 0;
        for (LayerSpec layer : layers) {
            type.addField(privateConstant(TypeName.INT, weightOffset(layer), CodeBlock.of("$L", offset)));
            offset += layer.in() * layer.out();
            if (layer.bias()) {
                type.addField(privateConstant(TypeName.INT, biasOffset(layer), CodeBlock.of("$L", offset)));
                offset += layer.out();
            }
        }
        CodeBlock.Builder table = CodeBlock.builder().add("$T.of(", PARAMETER_TABLE);
        boolean first = true;
        for (LayerSpec layer : layers) {
            table.add(first ? "\n" : ",\n").add("$>$>$T.tensor($S, $L, $L, $L)$<$<", PARAMETER_TABLE,
                    layer.name() + ".weight", weightOffset(layer), layer.out(), layer.in());
            first = false;
            if (layer.bias()) {
                table.add(",\n$>$>$T.tensor($S, $L, $L)$<$<", PARAMETER_TABLE, layer.name() + ".bias",
                        biasOffset(layer), layer.out());
            }
        }
        type.addField(privateConstant(PARAMETER_TABLE, "TENSORS", table.add(")").build()));
        for (LayerSpec layer : layers) {
            if (layer.hasActivation()) {
                type.addField(privateConstant(ACTIVATION, activationConstant(layer), activation(layer.activation())));
            }
        }
        type.addField(privateConstant(CROSS_ENTROPY, "LOSS", lossInitializer()));
    }

    private CodeBlock activation(ActivationSpec activation) {
        if (activation.kind() == ActivationSpec.Kind.LEAKY_RELU) {
            return CodeBlock.of("$T.leakyRelu($Lf)", ACTIVATION, Float.toString((float) activation.negativeSlope()));
        }
        return CodeBlock.of("$T.$L", ACTIVATION, activation.kind().name());
    }

    private CodeBlock lossInitializer() {
        LossSpec loss = model.loss();
        CodeBlock weights = loss.weights().isEmpty() ? CodeBlock.of("null")
                : CodeBlock.of("new double[] {$L}", loss.weights().stream().map(ModelEmitter::doubleLiteral)
                        .collect(Collectors.joining(", ")));
        return CodeBlock.of("new $T(CLASSES, $L, $L, $L, $T.$L)", CROSS_ENTROPY, doubleLiteral(loss.labelSmoothing()),
                weights, loss.ignoreIndex(), REDUCTION, loss.reduction().name());
    }

    private void addFields(TypeSpec.Builder type) {
        type.addField(FieldSpec.builder(KERNELS, "kernels", Modifier.PRIVATE, Modifier.FINAL)
                .initializer("$T.get()", KERNELS).build());
        type.addField(FieldSpec.builder(THREAD_TEAM, "team", Modifier.PRIVATE, Modifier.FINAL).build());
        if (adaptsThreads()) {
            type.addField(FieldSpec.builder(ADAPTIVE_THREADS, "adaptiveThreads", Modifier.PRIVATE, Modifier.FINAL)
                    .addJavadoc("Runs training steps on the calling thread alone when that is measured to be faster.\n")
                    .build());
        }
        type.addField(FieldSpec.builder(MERSENNE_TWISTER, "generator", Modifier.PRIVATE, Modifier.FINAL)
                .addJavadoc("Initialises the weights, then draws dropout masks.\n").build());
        type.addField(FieldSpec.builder(OPTIMIZER, "optimizer", Modifier.PRIVATE, Modifier.FINAL).build());
        type.addField(FieldSpec.builder(FLOATS, "params", Modifier.PRIVATE, Modifier.FINAL)
                .addJavadoc("Every weight and bias, at the offsets above.\n")
                .initializer("new float[PARAMETERS]").build());
        type.addField(FieldSpec.builder(FLOATS, "grads", Modifier.PRIVATE, Modifier.FINAL)
                .addJavadoc("Gradients, parallel to {@link #params}.\n")
                .initializer("new float[PARAMETERS]").build());
        List<LayerSpec> large = largeLayers();
        if (!large.isEmpty()) {
            CodeBlock.Builder shapes = CodeBlock.builder().add("new $T(kernels", INFERENCE_WEIGHTS);
            for (LayerSpec layer : large) {
                shapes.add(",\n$>$>$L, $L, $L$<$<", weightOffset(layer), layer.in(), layer.out());
            }
            type.addField(FieldSpec.builder(INFERENCE_WEIGHTS, "inference", Modifier.PRIVATE, Modifier.FINAL)
                    .addJavadoc("Copies of the large layers' weights for predicting a few rows at a time.\n")
                    .initializer(shapes.add(")").build()).build());
        }
        type.addField(FieldSpec.builder(TypeName.INT, "capacity", Modifier.PRIVATE)
                .addJavadoc("Rows the batch buffers below hold; they grow only when a larger batch arrives.\n")
                .build());
        for (LayerSpec layer : layers) {
            type.addField(FieldSpec.builder(FLOATS, outBuffer(layer), Modifier.PRIVATE)
                    .addJavadoc("$L's output$L, [capacity][$L].\n", layer.name(),
                            layer.hasActivation() ? " before its activation" : "", layer.out()).build());
            if (layer.hasActivation()) {
                type.addField(FieldSpec.builder(FLOATS, actBuffer(layer), Modifier.PRIVATE).build());
            }
            if (layer.hasDropout()) {
                type.addField(FieldSpec.builder(FLOATS, dropBuffer(layer), Modifier.PRIVATE).build());
                type.addField(FieldSpec.builder(FLOATS, noiseBuffer(layer), Modifier.PRIVATE)
                        .addJavadoc("$L's dropout multipliers (0 or 1/(1-p)) of the last training pass.\n",
                                layer.name()).build());
            }
            type.addField(FieldSpec.builder(FLOATS, gradBuffer(layer), Modifier.PRIVATE)
                    .addJavadoc("The loss gradient with respect to $L's output.\n", layer.name()).build());
        }
    }

    // ---- construction ---------------------------------------------------------------------------

    private MethodSpec defaultConstructor() {
        return MethodSpec.constructorBuilder()
                .addModifiers(Modifier.PUBLIC)
                .addJavadoc("A model with {@link $T#defaults()}: all processors, adaptive threads, seed 0.\n", OPTIONS)
                .addStatement("this($T.defaults())", OPTIONS)
                .build();
    }

    private MethodSpec constructor() {
        MethodSpec.Builder ctor = MethodSpec.constructorBuilder()
                .addModifiers(Modifier.PUBLIC)
                .addJavadoc("A model with the given options: threads, adaptive threads, seed.\n")
                .addParameter(OPTIONS, "options")
                .addComment("Before the first kernels run: the JIT warm-up, when layers this large pay for it.")
                .addStatement("kernels.warmUp($L)", largestLayerWeights())
                .addStatement("this.team = new $T(options.threads())", THREAD_TEAM)
                .addStatement("kernels.ownParameterRows(team, TENSORS.rows())");
        if (adaptsThreads()) {
            ctor.addStatement("this.adaptiveThreads = new $T(team, options.adaptiveThreads())", ADAPTIVE_THREADS);
        }
        ctor
                .addStatement("this.generator = new $T(options.seed())", MERSENNE_TWISTER)
                .addComment("Layers are initialised in declaration order, as PyTorch constructs them.");
        for (LayerSpec layer : layers) {
            ctor.addStatement("$T.linear(generator, params, $L, $L, $L, $L)", TORCH_INIT, layer.in(), layer.out(),
                    weightOffset(layer), biasArgument(layer));
        }
        ctor.addStatement("this.optimizer = $L", optimizerInitializer());
        for (LayerSpec layer : layers) {
            ctor.addStatement("super.$N = new $T($S, $L, $L, params, $L, $L)", layer.name(), LAYER, layer.name(),
                    layer.in(), layer.out(), weightOffset(layer), biasArgument(layer));
        }
        return ctor.build();
    }

    private long largestLayerWeights() {
        return layers.stream().mapToLong(layer -> (long) layer.in() * layer.out()).max().orElse(0);
    }

    private CodeBlock optimizerInitializer() {
        if (model.optimizer() instanceof OptimizerSpec.Sgd sgd) {
            return CodeBlock.of("new $T(PARAMETERS, $L, $L, $L, $L, $L)", SGD_OPTIMIZER, doubleLiteral(sgd.lr()),
                    doubleLiteral(sgd.momentum()), doubleLiteral(sgd.dampening()), doubleLiteral(sgd.weightDecay()),
                    sgd.nesterov());
        }
        OptimizerSpec.Adam adam = (OptimizerSpec.Adam) model.optimizer();
        return CodeBlock.of("new $T(PARAMETERS, $L, $L, $L, $L, $L, $L, $L)", ADAM_OPTIMIZER, doubleLiteral(adam.lr()),
                doubleLiteral(adam.beta1()), doubleLiteral(adam.beta2()), doubleLiteral(adam.eps()),
                doubleLiteral(adam.weightDecay()), adam.amsgrad(), adam.decoupled());
    }

    // ---- the public contract --------------------------------------------------------------------

    private MethodSpec trainStepLabels() {
        MethodSpec.Builder method = publicOverride("trainStep", TypeName.FLOAT)
                .addParameter(FLOATS, "x").addParameter(INTS, "labels").addParameter(TypeName.INT, "n")
                .addStatement("$T.inputs(x, n, INPUTS)", CHECKS)
                .addStatement("$T.labels(labels, n, CLASSES, $L)", CHECKS, model.loss().ignoreIndex());
        return step(method, "indexLoss", "labels");
    }

    private MethodSpec trainStepTargets() {
        MethodSpec.Builder method = publicOverride("trainStep", TypeName.FLOAT)
                .addParameter(FLOATS, "x").addParameter(FLOATS, "targets").addParameter(TypeName.INT, "n");
        if (model.loss().ignoreIndex() >= 0) {
            return method.addStatement("throw new $T($S)", IllegalStateException.class,
                    "ignoreIndex " + model.loss().ignoreIndex() + " cannot be used with probability targets "
                            + "(PyTorch rejects it too): train with class-index labels or leave ignoreIndex negative")
                    .build();
        }
        method.addStatement("$T.inputs(x, n, INPUTS)", CHECKS)
                .addStatement("$T.targets(targets, n, CLASSES)", CHECKS);
        return step(method, "probabilityLoss", "targets");
    }

    /** The body of a training step, once its arguments are checked. */
    private MethodSpec step(MethodSpec.Builder method, String lossMethod, String targets) {
        if (adaptsThreads()) {
            method.addStatement("long started = adaptiveThreads.beginStep(n)");
        }
        method.addStatement("float[] logits = forward(x, n, true)")
                .addStatement("float loss = LOSS.$L(team, logits, n, $N, $N, null)", lossMethod, targets, gradBuffer(last()))
                .addStatement("backward(x, n)")
                .addCode(invalidateInference())
                .addStatement("optimizer.step(kernels, team, params, grads)");
        if (adaptsThreads()) {
            method.addStatement("adaptiveThreads.endStep(started)");
        }
        return method.addStatement("return loss").build();
    }

    /**
     * Whether the model's steps choose between the team and the calling thread alone: only models with
     * large layers hand work to other threads; the others' steps would pay for timing and gain nothing.
     */
    private boolean adaptsThreads() {
        return !largeLayers().isEmpty();
    }

    private MethodSpec lossMethod() {
        return publicOverride("loss", TypeName.FLOAT)
                .addParameter(FLOATS, "x").addParameter(INTS, "labels").addParameter(TypeName.INT, "n")
                .addStatement("$T.inputs(x, n, INPUTS)", CHECKS)
                .addStatement("$T.labels(labels, n, CLASSES, $L)", CHECKS, model.loss().ignoreIndex())
                .addStatement("return LOSS.indexLoss(team, forward(x, n, false), n, labels, null, null)")
                .build();
    }

    private MethodSpec lossesMethod() {
        return publicOverride("losses", TypeName.VOID)
                .addParameter(FLOATS, "x").addParameter(INTS, "labels").addParameter(TypeName.INT, "n")
                .addParameter(FLOATS, "out")
                .addStatement("$T.inputs(x, n, INPUTS)", CHECKS)
                .addStatement("$T.labels(labels, n, CLASSES, $L)", CHECKS, model.loss().ignoreIndex())
                .addStatement("$T.output(out, n, 1)", CHECKS)
                .addStatement("LOSS.indexLoss(team, forward(x, n, false), n, labels, null, out)")
                .build();
    }

    private MethodSpec logitsMethod() {
        return publicOverride("logits", TypeName.VOID)
                .addParameter(FLOATS, "x").addParameter(TypeName.INT, "n").addParameter(FLOATS, "out")
                .addStatement("$T.inputs(x, n, INPUTS)", CHECKS)
                .addStatement("$T.output(out, n, CLASSES)", CHECKS)
                .addStatement("System.arraycopy(forward(x, n, false), 0, out, 0, n * CLASSES)")
                .build();
    }

    private MethodSpec predictMethod() {
        return publicOverride("predict", TypeName.VOID)
                .addParameter(FLOATS, "x").addParameter(TypeName.INT, "n").addParameter(INTS, "out")
                .addStatement("$T.inputs(x, n, INPUTS)", CHECKS)
                .addStatement("$T.output(out, n)", CHECKS)
                .addStatement("$T.argmax(forward(x, n, false), n, CLASSES, out)", ROWS)
                .build();
    }

    private void addAccessors(TypeSpec.Builder type) {
        type.addMethod(publicOverride("inputs", TypeName.INT).addStatement("return INPUTS").build());
        type.addMethod(publicOverride("classes", TypeName.INT).addStatement("return CLASSES").build());
        type.addMethod(publicOverride("parameterCount", TypeName.INT).addStatement("return PARAMETERS").build());
        type.addMethod(publicOverride("ignoreIndex", TypeName.INT)
                .addStatement("return $L", model.loss().ignoreIndex()).build());
        type.addMethod(publicOverride("learningRate", TypeName.DOUBLE)
                .addStatement("return optimizer.learningRate()").build());
        type.addMethod(publicOverride("learningRate", TypeName.VOID).addParameter(TypeName.DOUBLE, "lr")
                .addStatement("optimizer.learningRate(lr)").build());
        type.addMethod(publicOverride("steps", TypeName.LONG).addStatement("return optimizer.steps()").build());
    }

    private void addFileMethods(TypeSpec.Builder type) {
        type.addMethod(publicOverride("save", TypeName.VOID).addParameter(PATH, "file").addException(IO_EXCEPTION)
                .addStatement("$T.save(file, TENSORS, params)", MODEL_FILES).build());
        type.addMethod(publicOverride("saveCheckpoint", TypeName.VOID).addParameter(PATH, "file")
                .addParameter(METADATA, "metadata").addException(IO_EXCEPTION)
                .addStatement("$T.saveCheckpoint(file, TENSORS, params, optimizer, generator, metadata)", MODEL_FILES)
                .build());
        type.addMethod(publicOverride("load", TypeName.VOID).addParameter(PATH, "file").addException(IO_EXCEPTION)
                .addCode(invalidateInference())
                .addStatement("$T.load(file, TENSORS, params, optimizer, generator)", MODEL_FILES).build());
    }

    private MethodSpec closeMethod() {
        return publicOverride("close", TypeName.VOID).addStatement("team.close()").build();
    }

    private MethodSpec toStringMethod() {
        String layersText = layers.stream().map(l -> l.name() + ": " + describe(l)).collect(Collectors.joining(", "));
        return publicOverride("toString", ClassName.get(String.class))
                .addStatement("return $S", generatedClass.simpleName() + "[" + layersText + "]")
                .build();
    }

    // ---- the training step ----------------------------------------------------------------------

    /** Runs the layers on the first n rows of x; in training mode, dropout too. Returns the logits buffer. */
    private MethodSpec forwardMethod() {
        MethodSpec.Builder method = MethodSpec.methodBuilder("forward")
                .addJavadoc("Runs the layers on the first {@code n} rows of {@code x} (dropout only when training) "
                        + "and returns the buffer holding the logits.\n")
                .addModifiers(Modifier.PRIVATE)
                .returns(FLOATS)
                .addParameter(FLOATS, "x").addParameter(TypeName.INT, "n").addParameter(TypeName.BOOLEAN, "training")
                .addStatement("ensureCapacity(n)");
        List<LayerSpec> large = largeLayers();
        if (!large.isEmpty()) {
            method.addStatement("boolean fromCopies = !training && inference.use(team, params, n)");
        }
        String input = "x";
        for (LayerSpec layer : layers) {
            String output = layer.hasActivation() ? actBuffer(layer) : outBuffer(layer);
            if (large.contains(layer)) {
                method.beginControlFlow("if (fromCopies)")
                        .addStatement("inference.forward(team, $L, $L, n, $N, params, $L, $N, $L)", large.indexOf(layer),
                                layer.hasActivation() ? activationConstant(layer) : "null", input, biasArgument(layer),
                                outBuffer(layer), layer.hasActivation() ? actBuffer(layer) : "null")
                        .nextControlFlow("else");
            }
            if (layer.hasActivation()) {
                linearActivationForward(method, layer, input);
            } else {
                linear(method, layer, "linearForward", "forward", "$N, 0, params, $L, $L, $N, 0", input,
                        weightOffset(layer), biasArgument(layer), outBuffer(layer));
            }
            if (large.contains(layer)) {
                method.endControlFlow();
            }
            if (layer.hasDropout()) {
                String local = layer.name() + "Output";
                method.addStatement("float[] $N = $N", local, output)
                        .beginControlFlow("if (training)")
                        .addStatement("$T.dropoutNoise(generator, $N, n * $L, $L)", BERNOULLI, noiseBuffer(layer),
                                layer.out(), doubleLiteral(layer.dropout()))
                        .addStatement("kernels.dropoutApply(team, $N, $N, $N, n * $L)", output, noiseBuffer(layer),
                                dropBuffer(layer), layer.out())
                        .addStatement("$N = $N", local, dropBuffer(layer))
                        .endControlFlow();
                output = local;
            }
            input = output;
        }
        return method.addStatement("return $N", input).build();
    }

    /** Back-propagates the gradient in the last layer's gradient buffer into {@code grads}. */
    private MethodSpec backwardMethod() {
        MethodSpec.Builder method = MethodSpec.methodBuilder("backward")
                .addJavadoc("Back-propagates the loss gradient left in $N by the loss into {@link #grads}, using the\n"
                        + "activations of the last training forward pass.\n", gradBuffer(last()))
                .addModifiers(Modifier.PRIVATE)
                .addParameter(FLOATS, "x").addParameter(TypeName.INT, "n");
        for (int i = layers.size() - 1; i >= 0; i--) {
            LayerSpec layer = layers.get(i);
            String grad = gradBuffer(layer);
            if (layer.hasDropout()) {
                method.addStatement("kernels.dropoutApply(team, $N, $N, $N, n * $L)", grad, noiseBuffer(layer),
                        grad, layer.out());
            }
            if (layer.hasActivation() && !derivativeFusedAbove(i)) {
                method.addStatement(activationBackward(layer));
            }
            String input = i == 0 ? "x" : trainingOutput(layers.get(i - 1));
            linear(method, layer, "linearBackwardParams", "backwardParams", "$N, 0, $N, 0, grads, $L, $L", grad, input,
                    weightOffset(layer), biasArgument(layer));
            if (i > 0) {
                LayerSpec below = layers.get(i - 1);
                if (derivativeFusedAbove(i - 1)) {
                    linearBackwardInputThroughActivation(method, layer, below);
                } else {
                    linear(method, layer, "linearBackwardInput", "backwardInput", "$N, 0, params, $L, $N, 0", grad,
                            weightOffset(layer), gradBuffer(below));
                }
            }
        }
        return method.build();
    }

    /**
     * Whether layer {@code i}'s activation derivative is applied by the input-gradient product of the
     * layer above it (which needs the gradient to reach the activation directly: no dropout between).
     */
    private boolean derivativeFusedAbove(int i) {
        LayerSpec layer = layers.get(i);
        return i + 1 < layers.size() && layer.hasActivation() && !layer.hasDropout();
    }

    /** {@code grad *= f'(z)} for a layer's activation, on its gradient buffer. */
    private CodeBlock activationBackward(LayerSpec layer) {
        return CodeBlock.of("kernels.activationBackward(team, $L, $N, $N, $N, n * $L)", activationConstant(layer),
                outBuffer(layer), actBuffer(layer), gradBuffer(layer), layer.out());
    }

    /**
     * A layer's input gradient taken back through the activation of the layer below it: on the SIMD path
     * one fused kernel (the derivative applied to each output tile while it is in cache); on the small
     * path the loops, then the derivative.
     */
    private void linearBackwardInputThroughActivation(MethodSpec.Builder method, LayerSpec layer, LayerSpec below) {
        CodeBlock fused = CodeBlock.of("kernels.linearActivationBackwardInput(team, $L, n, $L, $L, $N, 0, params, $L, "
                        + "$N, $N, $N)", activationConstant(below), layer.in(), layer.out(), gradBuffer(layer),
                weightOffset(layer), outBuffer(below), actBuffer(below), gradBuffer(below));
        smallOrKernel(method, layer, fused,
                CodeBlock.of("$T.backwardInput(n, $L, $L, $N, 0, params, $L, $N, 0)", SMALL_LINEAR, layer.in(),
                        layer.out(), gradBuffer(layer), weightOffset(layer), gradBuffer(below)),
                activationBackward(below));
    }

    /**
     * One Linear product: the team's kernels, or for a small layer and a small enough batch the
     * inlinable loops of {@code SmallLinear} with the shape as constants.
     */
    private void linear(MethodSpec.Builder method, LayerSpec layer, String kernel, String smallKernel,
                        String arguments, Object... values) {
        Object[] shaped = new Object[values.length + 2];
        shaped[0] = layer.in();
        shaped[1] = layer.out();
        System.arraycopy(values, 0, shaped, 2, values.length);
        CodeBlock vector = CodeBlock.of("kernels." + kernel + "(team, n, $L, $L, " + arguments + ")", shaped);
        smallOrKernel(method, layer, vector,
                CodeBlock.of("$T." + smallKernel + "(n, $L, $L, " + arguments + ")", prepend(SMALL_LINEAR, shaped)));
    }

    /**
     * The team's {@code kernel} call, or for a small layer (at most {@code SMALL_LAYER_WEIGHTS} weights)
     * and a small enough batch the {@code small} statements instead, chosen at run time by {@code n}.
     */
    private static void smallOrKernel(MethodSpec.Builder method, LayerSpec layer, CodeBlock kernel,
                                      CodeBlock... small) {
        if (isLarge(layer)) {
            method.addStatement(kernel);
            return;
        }
        method.beginControlFlow("if (n <= $L)", SMALL_WORK / (layer.in() * layer.out()));
        for (CodeBlock statement : small) {
            method.addStatement(statement);
        }
        method.nextControlFlow("else")
                .addStatement(kernel)
                .endControlFlow();
    }

    /**
     * A layer and its activation: on the SIMD path one fused kernel (bias and activation applied to
     * each output tile while it is in cache); on the small path the loops, then the activation.
     */
    private void linearActivationForward(MethodSpec.Builder method, LayerSpec layer, String input) {
        CodeBlock activation = CodeBlock.of("kernels.activationForward(team, $L, $N, $N, n * $L)",
                activationConstant(layer), outBuffer(layer), actBuffer(layer), layer.out());
        CodeBlock fused = CodeBlock.of("kernels.linearActivationForward(team, $L, n, $L, $L, $N, 0, params, $L, $L, "
                        + "$N, 0, $N, 0)", activationConstant(layer), layer.in(), layer.out(), input, weightOffset(layer),
                biasArgument(layer), outBuffer(layer), actBuffer(layer));
        smallOrKernel(method, layer, fused,
                CodeBlock.of("$T.forward(n, $L, $L, $N, 0, params, $L, $L, $N, 0)", SMALL_LINEAR, layer.in(),
                        layer.out(), input, weightOffset(layer), biasArgument(layer), outBuffer(layer)),
                activation);
    }

    /** Whether a layer has more than {@link #SMALL_LAYER_WEIGHTS} weights: it always runs on the kernels. */
    private static boolean isLarge(LayerSpec layer) {
        return layer.in() * layer.out() > SMALL_LAYER_WEIGHTS;
    }

    /** The large layers, the ones with inference copies. */
    private List<LayerSpec> largeLayers() {
        return layers.stream().filter(ModelEmitter::isLarge).toList();
    }

    /** Marks the inference copies out of date before the parameters change (nothing, without copies). */
    private CodeBlock invalidateInference() {
        return largeLayers().isEmpty() ? CodeBlock.of("")
                : CodeBlock.builder().addStatement("inference.invalidate()").build();
    }

    private static Object[] prepend(Object first, Object[] rest) {
        Object[] all = new Object[rest.length + 1];
        all[0] = first;
        System.arraycopy(rest, 0, all, 1, rest.length);
        return all;
    }

    private MethodSpec ensureCapacityMethod() {
        MethodSpec.Builder method = MethodSpec.methodBuilder("ensureCapacity")
                .addJavadoc("Sizes the batch buffers for {@code n} rows; steady batch sizes allocate nothing.\n")
                .addModifiers(Modifier.PRIVATE)
                .addParameter(TypeName.INT, "n")
                .beginControlFlow("if (n <= capacity)")
                .addStatement("return")
                .endControlFlow();
        for (LayerSpec layer : layers) {
            String size = "Math.multiplyExact(n, " + layer.out() + ")";
            method.addStatement("$N = new float[$L]", outBuffer(layer), size);
            if (layer.hasActivation()) {
                method.addStatement("$N = new float[$L]", actBuffer(layer), size);
            }
            if (layer.hasDropout()) {
                method.addStatement("$N = new float[$L]", dropBuffer(layer), size);
                method.addStatement("$N = new float[$L]", noiseBuffer(layer), size);
            }
            method.addStatement("$N = new float[$L]", gradBuffer(layer), size);
        }
        return method.addStatement("capacity = n").build();
    }

    // ---- names ----------------------------------------------------------------------------------

    private LayerSpec last() {
        return layers.get(layers.size() - 1);
    }

    /** The buffer a layer's output is in after a training forward pass. */
    private static String trainingOutput(LayerSpec layer) {
        return layer.hasDropout() ? dropBuffer(layer) : layer.hasActivation() ? actBuffer(layer) : outBuffer(layer);
    }

    private static String outBuffer(LayerSpec layer) {
        return layer.name() + "Out";
    }

    private static String actBuffer(LayerSpec layer) {
        return layer.name() + "Act";
    }

    private static String dropBuffer(LayerSpec layer) {
        return layer.name() + "Dropped";
    }

    private static String noiseBuffer(LayerSpec layer) {
        return layer.name() + "Noise";
    }

    private static String gradBuffer(LayerSpec layer) {
        return layer.name() + "Grad";
    }

    private static String weightOffset(LayerSpec layer) {
        return constantName(layer.name()) + "_WEIGHT";
    }

    private static String biasOffset(LayerSpec layer) {
        return constantName(layer.name()) + "_BIAS";
    }

    private static String biasArgument(LayerSpec layer) {
        return layer.bias() ? biasOffset(layer) : "-1";
    }

    private static String activationConstant(LayerSpec layer) {
        return constantName(layer.name()) + "_ACTIVATION";
    }

    /** {@code hiddenLayer2} -> {@code HIDDEN_LAYER2}. */
    static String constantName(String fieldName) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < fieldName.length(); i++) {
            char c = fieldName.charAt(i);
            if (Character.isUpperCase(c) && i > 0 && !Character.isUpperCase(fieldName.charAt(i - 1))) {
                sb.append('_');
            }
            sb.append(Character.toUpperCase(c));
        }
        return sb.toString();
    }

    private static String doubleLiteral(double value) {
        return Double.toString(value);
    }

    private static String pad(String s, int width) {
        return s + " ".repeat(Math.max(0, width - s.length()));
    }

    private static FieldSpec constant(TypeName type, String name, CodeBlock value, String doc) {
        return FieldSpec.builder(type, name, Modifier.PUBLIC, Modifier.STATIC, Modifier.FINAL)
                .addJavadoc(doc + "\n").initializer(value).build();
    }

    private static FieldSpec privateConstant(TypeName type, String name, CodeBlock value) {
        return FieldSpec.builder(type, name, Modifier.PRIVATE, Modifier.STATIC, Modifier.FINAL).initializer(value)
                .build();
    }

    private static MethodSpec.Builder publicOverride(String name, TypeName returns) {
        return MethodSpec.methodBuilder(name).addAnnotation(Override.class).addModifiers(Modifier.PUBLIC)
                .returns(returns);
    }
}
