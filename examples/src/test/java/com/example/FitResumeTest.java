package com.example;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kiln.Adam;
import dev.kiln.Dropout;
import dev.kiln.Layer;
import dev.kiln.Linear;
import dev.kiln.Model;
import dev.kiln.Options;
import dev.kiln.Relu;
import dev.kiln.io.Safetensors;
import dev.kiln.train.CosineAnnealingLR;
import dev.kiln.train.EpochResult;
import dev.kiln.train.Fit;
import dev.kiln.train.History;
import dev.kiln.train.LabeledData;
import dev.kiln.train.LearningRateSchedule;
import dev.kiln.train.LinearLR;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * dev.kiln.train on a generated model with everything that carries state across a checkpoint: Adam
 * moments, the step count, the dropout generator and a per-step schedule. Two epochs, a checkpoint,
 * and a resume for two more must equal four straight epochs bit for bit.
 */
class FitResumeTest {
    @Model
    @Adam(lr = 0.01)
    abstract static class ResumeNet {
        @Linear(in = 6, out = 16) @Relu @Dropout(p = 0.2) Layer hidden;
        @Linear(in = 16, out = 3) Layer out;
    }

    @TempDir
    Path dir;

    private static LabeledData data(int rows, long seed) {
        Random random = new Random(seed);
        float[] x = new float[rows * 6];
        int[] y = new int[rows];
        for (int r = 0; r < rows; r++) {
            y[r] = random.nextInt(3);
            for (int i = 0; i < 6; i++) {
                x[r * 6 + i] = (float) random.nextGaussian() + (i % 3 == y[r] ? 1.5f : 0f);
            }
        }
        return new LabeledData(x, y);
    }

    private static final LabeledData TRAIN = data(300, 1);
    private static final LabeledData VALIDATION = data(100, 2);

    private History train(KilnFitResumeTest_ResumeNet model, int epochs, Path checkpoints, Path resumeFrom)
            throws IOException {
        Fit fit = Fit.model(model).epochs(epochs).batchSize(32).shuffleSeed(4).validation(VALIDATION)
                .scheduler(new LinearLR(0.1, 1, 10).then(10, new CosineAnnealingLR(30, 1e-4)),
                        LearningRateSchedule.Interval.STEP)
                .earlyStopping(10).checkpointDir(checkpoints).quiet();
        if (resumeFrom != null) {
            fit.resumeFrom(resumeFrom);
        }
        return fit.run(TRAIN);
    }

    private static KilnFitResumeTest_ResumeNet model() {
        return new KilnFitResumeTest_ResumeNet(Options.defaults().withSeed(3).withThreads(2));
    }

    @Test
    void twoEpochsPlusResumeEqualsFourStraight() throws IOException {
        try (var straight = model(); var first = model(); var resumed = model()) {
            History four = train(straight, 4, dir.resolve("straight"), null);
            train(first, 2, dir.resolve("split"), null);
            History resumedHistory = train(resumed, 4, dir.resolve("split"),
                    dir.resolve("split").resolve(Fit.LAST_CHECKPOINT));

            Path a = dir.resolve("a.safetensors");
            Path b = dir.resolve("b.safetensors");
            straight.save(a);
            resumed.save(b);
            var left = Safetensors.read(a);
            var right = Safetensors.read(b);
            assertEquals(left.names(), right.names());
            for (String name : left.names()) {
                assertArrayEquals(left.floats(name), right.floats(name), name);
            }
            assertEquals(straight.steps(), resumed.steps());
            assertEquals(withoutTimings(four.epochs()), withoutTimings(resumedHistory.epochs()));
        }
    }

    private static List<EpochResult> withoutTimings(List<EpochResult> epochs) {
        return epochs.stream().map(e -> new EpochResult(e.epoch(), e.trainLoss(), e.validationLoss(),
                e.validationAccuracy(), e.learningRate(), 0, 0)).toList();
    }
}
