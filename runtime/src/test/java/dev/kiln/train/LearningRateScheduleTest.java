package dev.kiln.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Schedules against the rates PyTorch 1.13.1 gives its optimizer, from
 * {@code runtime/src/test/python/lr_schedules.py}. PyTorch updates the rate recursively, these
 * schedules use closed forms, so the two agree to float64 rounding rather than bit for bit.
 */
class LearningRateScheduleTest {
    private static final double RELATIVE_TOLERANCE = 1e-13;

    /** The Java equivalent of each case of lr_schedules.py, with the case's initial rate. */
    private record Case(String name, double baseLr, LearningRateSchedule schedule) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<Case> cases() {
        return List.of(
                new Case("step_3_0.1", 0.1, new StepLR(3, 0.1)),
                new Case("step_1_0.9", 0.5, new StepLR(1, 0.9)),
                new Case("cosine_10_0.001", 0.1, new CosineAnnealingLR(10, 0.001)),
                new Case("cosine_7_0", 0.01, new CosineAnnealingLR(7, 0)),
                new Case("linear_0.1_1_5", 0.05, new LinearLR(0.1, 1.0, 5)),
                new Case("linear_default", 0.2, LinearLR.warmup()),
                new Case("linear_1_0.25_4", 0.3, new LinearLR(1.0, 0.25, 4)),
                new Case("warmup_4_cosine_8", 0.1, new LinearLR(0.01, 1.0, 4).then(4, new CosineAnnealingLR(8, 1e-4))),
                new Case("warmup_2_step_cosine", 0.1, new LinearLR(0.1, 1.0, 2)
                        .then(3, new StepLR(2, 0.5))
                        .then(7, new CosineAnnealingLR(5, 0.01))));
    }

    private static Map<String, List<Double>> reference() throws IOException {
        try (InputStream in = LearningRateScheduleTest.class.getResourceAsStream("lr_schedules.csv")) {
            String[] lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n");
            assertEquals("schedule,step,lr", lines[0]);
            Map<String, List<Double>> rates = new LinkedHashMap<>();
            for (int i = 1; i < lines.length; i++) {
                String[] fields = lines[i].split(",");
                List<Double> sequence = rates.computeIfAbsent(fields[0], k -> new ArrayList<>());
                assertEquals(sequence.size(), Integer.parseInt(fields[1]), lines[i]);
                sequence.add(Double.parseDouble(fields[2]));
            }
            return rates;
        }
    }

    @ParameterizedTest
    @MethodSource("cases")
    void matchesPyTorch(Case c) throws IOException {
        List<Double> expected = reference().get(c.name);
        assertTrue(expected != null && expected.size() >= 8, c.name + " has no reference sequence");
        for (int step = 0; step < expected.size(); step++) {
            double want = expected.get(step);
            assertEquals(want, c.schedule.learningRate(c.baseLr, step), Math.abs(want) * RELATIVE_TOLERANCE,
                    c.name + " step " + step);
        }
    }

    @Test
    void everyReferenceSequenceIsTested() throws IOException {
        assertEquals(reference().keySet(), cases().stream().map(Case::name).collect(
                java.util.stream.Collectors.toCollection(java.util.LinkedHashSet::new)));
    }

    @Test
    void chainingAppendsToASequence() {
        SequentialLR chain = new LinearLR(0.5, 1, 2).then(2, new StepLR(1, 0.5)).then(4, new CosineAnnealingLR(3, 0));
        assertEquals(3, chain.schedules().size());
        assertEquals(List.of(2L, 4L), chain.milestones());
        assertEquals(1.0, chain.learningRate(1.0, 2));
        assertEquals(0.5, chain.learningRate(1.0, 3));
        assertEquals(1.0, chain.learningRate(1.0, 4));
    }

    @Test
    void rejectsWhatPyTorchRejects() {
        assertThrows(IllegalArgumentException.class, () -> new StepLR(0, 0.1));
        assertThrows(IllegalArgumentException.class, () -> new CosineAnnealingLR(0, 0));
        assertThrows(IllegalArgumentException.class, () -> new CosineAnnealingLR(10, -1));
        assertThrows(IllegalArgumentException.class, () -> new LinearLR(0, 1, 5));
        assertThrows(IllegalArgumentException.class, () -> new LinearLR(1.5, 1, 5));
        assertThrows(IllegalArgumentException.class, () -> new LinearLR(0.5, 1.5, 5));
        assertThrows(IllegalArgumentException.class, () -> new LinearLR(0.5, 1, 0));
        assertThrows(IllegalArgumentException.class,
                () -> new SequentialLR(List.of(new StepLR(1, 0.5), new StepLR(1, 0.5)), List.of()));
        assertThrows(IllegalArgumentException.class,
                () -> new LinearLR(0.5, 1, 2).then(3, new StepLR(1, 0.5)).then(3, new StepLR(1, 0.5)));
    }
}
