package dev.kiln.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.Reduction;
import dev.kiln.thread.ThreadTeam;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The analytic gradient of every loss configuration against central finite differences of the loss. */
class CrossEntropyTest {
    private static final int CLASSES = 4;
    private static final int ROWS = 5;

    static Stream<CrossEntropy> configurations() {
        List<CrossEntropy> all = new ArrayList<>();
        double[] weights = {0.5, 2.0, 1.0, 0.25};
        for (double smoothing : new double[] {0, 0.1, 1.0}) {
            for (Reduction reduction : Reduction.values()) {
                for (int ignore : new int[] {-100, 1}) {
                    all.add(new CrossEntropy(CLASSES, smoothing, null, ignore, reduction));
                    all.add(new CrossEntropy(CLASSES, smoothing, weights, ignore, reduction));
                }
            }
        }
        return all.stream();
    }

    @ParameterizedTest
    @MethodSource("configurations")
    void indexGradientMatchesFiniteDifference(CrossEntropy loss) {
        int[] labels = {0, 1, 3, 2, 1};
        assertGradientMatchesFiniteDifference(randomLogits(new Random(7)), loss.toString(),
                (logits, grad) -> loss.indexLoss(logits, ROWS, labels, grad, null));
    }

    @ParameterizedTest
    @MethodSource("configurations")
    void probabilityGradientMatchesFiniteDifference(CrossEntropy loss) {
        Random random = new Random(11);
        float[] logits = randomLogits(random);
        float[] targets = new float[logits.length];
        for (int i = 0; i < targets.length; i++) {
            targets[i] = random.nextFloat();
        }
        assertGradientMatchesFiniteDifference(logits, loss.toString(),
                (l, grad) -> loss.probabilityLoss(l, ROWS, targets, grad, null));
    }

    /**
     * With a team and enough values the rows are split across its threads: the loss, the gradient and
     * the per-row losses keep the bits of the single-threaded pass, for both target forms.
     */
    @Test
    void rowsSplitAcrossATeamGiveTheSameBits() {
        int classes = 100, rows = 403; // 40,300 logits: above the threshold; 403 rows split unevenly
        assertTrue((long) rows * classes >= CrossEntropy.PARALLEL_VALUES);
        Random random = new Random(5);
        float[] logits = new float[rows * classes];
        float[] targets = new float[rows * classes];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) random.nextGaussian() * 3;
            targets[i] = random.nextFloat();
        }
        int[] labels = new int[rows];
        for (int r = 0; r < rows; r++) {
            labels[r] = r % 17 == 0 ? 7 : random.nextInt(classes); // 7 is also the ignore index
        }
        double[] weights = new double[classes];
        for (int c = 0; c < classes; c++) {
            weights[c] = 0.5 + random.nextDouble();
        }
        try (ThreadTeam one = new ThreadTeam(1); ThreadTeam three = new ThreadTeam(3)) {
            for (Reduction reduction : Reduction.values()) {
                CrossEntropy loss = new CrossEntropy(classes, 0.1, weights, 7, reduction);
                float[][] expected = {new float[logits.length], new float[rows]};
                float expectedLoss = loss.indexLoss(null, logits, rows, labels, expected[0], expected[1]);
                float expectedProbability = loss.probabilityLoss(one, logits, rows, targets, null, null);
                for (ThreadTeam team : new ThreadTeam[] {one, three}) {
                    float[] grad = new float[logits.length], perSample = new float[rows];
                    float actual = loss.indexLoss(team, logits, rows, labels, grad, perSample);
                    assertEquals(Float.floatToIntBits(expectedLoss), Float.floatToIntBits(actual), reduction + " loss");
                    assertTrue(Arrays.equals(expected[0], grad), reduction + " gradient, " + team.size() + " threads");
                    assertTrue(Arrays.equals(expected[1], perSample), reduction + " per-row losses");
                    assertEquals(Float.floatToIntBits(expectedProbability),
                            Float.floatToIntBits(loss.probabilityLoss(team, logits, rows, targets, null, null)),
                            reduction + " probability loss");
                }
            }
        }
    }

    /** A loss of the logits that writes its gradient when {@code grad} is not null. */
    private interface LossFunction {
        float apply(float[] logits, float[] grad);
    }

    private static void assertGradientMatchesFiniteDifference(float[] logits, String what, LossFunction loss) {
        float[] grad = new float[logits.length];
        loss.apply(logits, grad);
        double h = 1e-2;
        for (int i = 0; i < logits.length; i++) {
            float saved = logits[i];
            logits[i] = (float) (saved + h);
            double up = loss.apply(logits, null);
            logits[i] = (float) (saved - h);
            double down = loss.apply(logits, null);
            logits[i] = saved;
            assertEquals((up - down) / (2 * h), grad[i], 2e-4, what + " logit " + i);
        }
    }

    @Test
    void perSampleLossesAddUpToTheSum() {
        CrossEntropy sum = new CrossEntropy(CLASSES, 0.1, new double[] {1, 2, 3, 4}, 2, Reduction.SUM);
        float[] logits = randomLogits(new Random(3));
        int[] labels = {0, 2, 3, 1, 2};
        float[] perSample = new float[ROWS];
        float total = sum.indexLoss(logits, ROWS, labels, null, perSample);
        assertEquals(0f, perSample[1]);
        assertEquals(0f, perSample[4]);
        double added = 0;
        for (float l : perSample) {
            added += l;
        }
        assertEquals(total, added, 1e-5);
    }

    @Test
    void meanOverOnlyIgnoredRowsIsNaNWithZeroGradient() {
        CrossEntropy mean = new CrossEntropy(CLASSES, 0.1, null, -100, Reduction.MEAN);
        float[] logits = randomLogits(new Random(5));
        float[] grad = new float[logits.length];
        java.util.Arrays.fill(grad, 9f);
        float loss = mean.indexLoss(logits, ROWS, new int[] {-100, -100, -100, -100, -100}, grad, null);
        assertTrue(Float.isNaN(loss));
        for (float g : grad) {
            assertEquals(0f, g);
        }
    }

    @Test
    void largeLogitsStayFinite() {
        CrossEntropy mean = new CrossEntropy(2, 0, null, -100, Reduction.MEAN);
        float loss = mean.indexLoss(new float[] {1e30f, -1e30f}, 1, new int[] {1}, new float[2], null);
        assertEquals(2e30f, loss, 1e24f);
    }

    private static float[] randomLogits(Random random) {
        float[] logits = new float[ROWS * CLASSES];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) (random.nextGaussian() * 2);
        }
        return logits;
    }
}
