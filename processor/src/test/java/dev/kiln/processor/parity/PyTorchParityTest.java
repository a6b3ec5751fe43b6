package dev.kiln.processor.parity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.DynamicContainer.dynamicContainer;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import dev.kiln.KilnModel;
import dev.kiln.Options;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;

/**
 * Kiln against PyTorch 1.13.1 on every case of the reference data (see {@link ReferenceCase}): each
 * model source is compiled with the processor, built with the case's seed and trained on the same
 * batches, at 1 and at 2 threads.
 *
 * <p>Initial parameters must match bit for bit (same seed, same generator). Everything computed
 * after that may differ by float32 rounding, since summation orders differ: a value passes when
 * {@code |actual - expected| <= 1e-5 |expected| + 1e-6}, and NaN must be NaN. The generator checks
 * that PyTorch's own float32 error against a float64 replay stays within half of this tolerance.
 * Runs at 1 and 2 threads must be bitwise identical, as {@link Options#withThreads} promises.
 */
class PyTorchParityTest {
    private static final double RELATIVE_TOLERANCE = 1e-5;
    private static final double ABSOLUTE_TOLERANCE = 1e-6;
    private static final int[] THREAD_COUNTS = {1, 2};
    private static final int MISMATCHES_SHOWN = 20;
    /** The index of a value that is not part of a tensor. */
    private static final int SCALAR = -1;

    @TestFactory
    Stream<DynamicNode> matchesPyTorch() {
        List<ReferenceCase> cases = ReferenceCase.index().stream().map(ReferenceCase::load).toList();
        assertFalse(cases.isEmpty(), "index.json lists no cases");
        // One javac run for all cases is much faster than one per case; when it fails, each case is
        // compiled alone so that it reports its own errors.
        Map<String, String> sources = new LinkedHashMap<>();
        cases.forEach(c -> sources.put(c.className(), c.source()));
        Lazy<Map<String, CompiledModel>> all = new Lazy<>(() -> CompiledModel.compile(sources));
        return cases.stream().map(reference -> caseTests(reference, new Lazy<>(() -> {
            try {
                return all.get().get(reference.className());
            } catch (AssertionError e) {
                return CompiledModel.compile(reference.className(), reference.source());
            }
        })));
    }

    private static DynamicContainer caseTests(ReferenceCase reference, Lazy<CompiledModel> compiled) {
        Map<Integer, Lazy<Run>> runs = new LinkedHashMap<>();
        for (int threads : THREAD_COUNTS) {
            runs.put(threads, new Lazy<>(() -> Run.of(reference, compiled.get(), threads)));
        }
        List<DynamicNode> tests = new ArrayList<>();
        runs.forEach((threads, run) ->
                tests.add(dynamicTest("threads=" + threads, () -> assertMatches(reference, run.get(), threads))));
        tests.add(dynamicTest("same bits at every thread count", () -> {
            int first = THREAD_COUNTS[0];
            runs.forEach((threads, run) -> assertSameBits(reference, runs.get(first).get(), run.get(), first, threads));
        }));
        return dynamicContainer(reference.name() + ": " + reference.description(), tests);
    }

    private static void assertMatches(ReferenceCase reference, Run run, int threads) {
        assertEquals(reference.inputs(), run.inputs, reference.name() + ": inputs()");
        assertEquals(reference.classes(), run.classes, reference.name() + ": classes()");
        assertEquals(reference.steps().size(), run.stepsTaken, reference.name() + ": steps()");
        assertEquals(reference.initialParameters().keySet(), run.initialParameters.keySet(),
                reference.name() + ": parameter tensors");
        Mismatches mismatches = new Mismatches(reference.name() + " (threads=" + threads + ")");
        reference.initialParameters().forEach((name, expected) ->
                mismatches.compareBits("initial " + name, expected, run.initialParameters.get(name)));
        for (int step = 0; step < reference.losses().length; step++) {
            mismatches.compare("step " + (step + 1) + " loss", SCALAR, reference.losses()[step], run.losses[step]);
        }
        reference.finalParameters().forEach((name, expected) ->
                mismatches.compare("final " + name, expected, run.finalParameters.get(name)));
        ReferenceCase.Evaluation eval = reference.evaluation();
        mismatches.compare("eval logits", eval.logits(), run.logits);
        mismatches.compare("eval loss", SCALAR, eval.loss(), run.loss);
        mismatches.compare("eval losses", eval.losses(), run.sampleLosses);
        mismatches.compare("eval predictions", eval.predictions(), run.predictions);
        mismatches.throwIfAny();
    }

    private static void assertSameBits(ReferenceCase reference, Run first, Run other, int threads, int otherThreads) {
        Mismatches mismatches = new Mismatches(
                reference.name() + " (threads=" + threads + " against threads=" + otherThreads + ")");
        mismatches.compareBits("step losses", first.losses, other.losses);
        first.finalParameters.forEach((name, values) ->
                mismatches.compareBits("final " + name, values, other.finalParameters.get(name)));
        mismatches.compareBits("eval logits", first.logits, other.logits);
        mismatches.compareBits("eval loss", new float[] {first.loss}, new float[] {other.loss});
        mismatches.compareBits("eval losses", first.sampleLosses, other.sampleLosses);
        mismatches.compare("eval predictions", first.predictions, other.predictions);
        mismatches.throwIfAny();
    }

    /** Everything a Kiln model produced on one case. */
    private static final class Run {
        int inputs;
        int classes;
        long stepsTaken;
        Map<String, float[]> initialParameters;
        float[] losses;
        Map<String, float[]> finalParameters;
        float[] logits;
        float loss;
        float[] sampleLosses;
        int[] predictions;

        static Run of(ReferenceCase reference, CompiledModel compiled, int threads) {
            Run run = new Run();
            Options options = Options.defaults().withThreads(threads).withSeed(reference.seed());
            try (KilnModel model = compiled.newInstance(options)) {
                run.inputs = model.inputs();
                run.classes = model.classes();
                run.initialParameters = parameters(model);
                run.losses = new float[reference.steps().size()];
                for (int i = 0; i < run.losses.length; i++) {
                    ReferenceCase.Step step = reference.steps().get(i);
                    run.losses[i] = step.labels() != null
                            ? model.trainStep(step.x(), step.labels(), step.n())
                            : model.trainStep(step.x(), step.targets(), step.n());
                }
                run.stepsTaken = model.steps();
                run.finalParameters = parameters(model);
                ReferenceCase.Evaluation eval = reference.evaluation();
                int n = eval.n();
                run.logits = new float[n * reference.classes()];
                model.logits(eval.x(), n, run.logits);
                run.loss = model.loss(eval.x(), eval.labels(), n);
                run.sampleLosses = new float[n];
                model.losses(eval.x(), eval.labels(), n, run.sampleLosses);
                run.predictions = new int[n];
                model.predict(eval.x(), n, run.predictions);
            }
            return run;
        }

        /** The model's tensors under PyTorch's state_dict names, read through its Layer fields. */
        private static Map<String, float[]> parameters(KilnModel model) {
            Map<String, float[]> tensors = new LinkedHashMap<>();
            CompiledModel.layers(model).forEach((field, layer) -> {
                tensors.put(field + ".weight", layer.weight());
                if (layer.hasBias()) {
                    tensors.put(field + ".bias", layer.bias());
                }
            });
            return tensors;
        }
    }

    /** Collects every differing value of a run, so that one failure shows the whole picture. */
    private static final class Mismatches {
        private final String subject;
        private final List<String> lines = new ArrayList<>();
        private int count;

        Mismatches(String subject) {
            this.subject = subject;
        }

        void compare(String what, float[] expected, float[] actual) {
            if (sameLength(what, expected.length, actual.length)) {
                IntStream.range(0, expected.length).forEach(i -> compare(what, i, expected[i], actual[i]));
            }
        }

        void compare(String what, int index, float expected, float actual) {
            double tolerance = RELATIVE_TOLERANCE * Math.abs(expected) + ABSOLUTE_TOLERANCE;
            boolean close = Float.isNaN(expected)
                    ? Float.isNaN(actual)
                    : Math.abs((double) actual - expected) <= tolerance;
            if (!close) {
                add(String.format("%s%s: expected %s, actual %s (difference %.3g, tolerance %.3g)",
                        what, index == SCALAR ? "" : "[" + index + "]", expected, actual,
                        Math.abs((double) actual - expected), tolerance));
            }
        }

        void compareBits(String what, float[] expected, float[] actual) {
            if (sameLength(what, expected.length, actual.length)) {
                for (int i = 0; i < expected.length; i++) {
                    if (Float.floatToIntBits(expected[i]) != Float.floatToIntBits(actual[i])) {
                        add(String.format("%s[%d]: expected exactly %s (0x%08x), actual %s (0x%08x)", what, i,
                                expected[i], Float.floatToIntBits(expected[i]), actual[i],
                                Float.floatToIntBits(actual[i])));
                    }
                }
            }
        }

        void compare(String what, int[] expected, int[] actual) {
            if (sameLength(what, expected.length, actual.length)) {
                for (int i = 0; i < expected.length; i++) {
                    if (expected[i] != actual[i]) {
                        add(String.format("%s[%d]: expected %d, actual %d", what, i, expected[i], actual[i]));
                    }
                }
            }
        }

        private boolean sameLength(String what, int expected, int actual) {
            if (expected != actual) {
                add(what + ": expected " + expected + " values, actual " + actual);
            }
            return expected == actual;
        }

        private void add(String line) {
            if (count++ < MISMATCHES_SHOWN) {
                lines.add(line);
            }
        }

        void throwIfAny() {
            if (count > 0) {
                throw new AssertionError(subject + ": " + count + " mismatches"
                        + (count > MISMATCHES_SHOWN ? ", the first " + MISMATCHES_SHOWN : "") + "\n  "
                        + String.join("\n  ", lines));
            }
        }
    }

    /** Computes a value on first use; a failure is rethrown to every caller. */
    private static final class Lazy<T> {
        private final Supplier<T> supplier;
        private T value;
        private Throwable failure;

        Lazy(Supplier<T> supplier) {
            this.supplier = supplier;
        }

        T get() {
            if (value == null && failure == null) {
                try {
                    value = supplier.get();
                } catch (RuntimeException | Error e) {
                    failure = e;
                }
            }
            if (failure instanceof RuntimeException e) {
                throw e;
            }
            if (failure instanceof Error e) {
                throw e;
            }
            return value;
        }
    }
}
