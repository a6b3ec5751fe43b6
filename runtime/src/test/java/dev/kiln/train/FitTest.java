package dev.kiln.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.io.Safetensors;
import dev.kiln.io.SafetensorsFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FitTest {
    private static final LabeledData TRAIN = Blobs.sample(250, 1);
    private static final LabeledData VALIDATION = Blobs.sample(120, 2);

    @TempDir
    Path dir;

    /** Records every event, and the model's learning rate at each step. */
    private static final class Recorder implements TrainingListener {
        final SoftmaxRegression model;
        final List<Integer> epochsStarted = new ArrayList<>();
        final List<Integer> batchSizes = new ArrayList<>();
        final List<Float> batchLosses = new ArrayList<>();
        final List<Double> stepRates = new ArrayList<>();
        final List<EpochResult> epochsFinished = new ArrayList<>();
        History finished;
        private int previousSamples;

        Recorder(SoftmaxRegression model) {
            this.model = model;
        }

        @Override
        public void epochStarted(int epoch, int epochs, int samples) {
            epochsStarted.add(epoch);
            previousSamples = 0;
        }

        @Override
        public void batchFinished(int epoch, int samplesDone, float loss) {
            batchSizes.add(samplesDone - previousSamples);
            previousSamples = samplesDone;
            batchLosses.add(loss);
            stepRates.add(model.learningRate());
        }

        @Override
        public void epochFinished(EpochResult result) {
            epochsFinished.add(result);
        }

        @Override
        public void fitFinished(History history) {
            finished = history;
        }
    }

    private static Map<String, String> metadata(Path checkpoint) throws IOException {
        return Safetensors.read(checkpoint).metadata();
    }

    @Test
    void trainsAndReportsEveryEpoch() throws IOException {
        SoftmaxRegression model = Blobs.model(0.1);
        Recorder recorder = new Recorder(model);
        History history = Fit.model(model).epochs(5).batchSize(32).validation(VALIDATION).listener(recorder).quiet()
                .run(TRAIN);

        assertEquals(5, history.epochs().size());
        assertEquals(List.of(1, 2, 3, 4, 5), recorder.epochsStarted);
        assertEquals(history.epochs(), recorder.epochsFinished);
        assertEquals(history, recorder.finished);
        int batchesPerEpoch = (250 + 31) / 32;
        assertEquals(5 * batchesPerEpoch, recorder.batchLosses.size());
        assertEquals(5L * batchesPerEpoch, model.steps());
        assertEquals(250 - 7 * 32, recorder.batchSizes.get(batchesPerEpoch - 1), "the last batch is partial");

        EpochResult first = history.epochs().get(0);
        EpochResult last = history.last().orElseThrow();
        assertTrue(last.trainLoss() < first.trainLoss(), history.toCsv());
        assertTrue(last.validationLoss() < first.validationLoss(), history.toCsv());
        assertTrue(last.validationAccuracy() > 0.9, history.toCsv());
        for (EpochResult e : history.epochs()) {
            assertEquals(0.1, e.learningRate());
            assertTrue(e.seconds() > 0 && e.samplesPerSecond() > 0, e.toString());
        }
        assertFalse(history.stoppedEarly());
    }

    @Test
    void trainLossIsTheBatchSizeWeightedMeanOfBatchLosses() throws IOException {
        SoftmaxRegression model = Blobs.model(0.1);
        Recorder recorder = new Recorder(model);
        History history = Fit.model(model).epochs(2).batchSize(64).listener(recorder).quiet().run(TRAIN);

        int batches = recorder.batchLosses.size() / 2;
        for (int epoch = 0; epoch < 2; epoch++) {
            double sum = 0;
            for (int b = epoch * batches; b < (epoch + 1) * batches; b++) {
                sum += (double) recorder.batchLosses.get(b) * recorder.batchSizes.get(b);
            }
            assertEquals(sum / 250, history.epochs().get(epoch).trainLoss());
        }
        assertFalse(history.epochs().get(0).hasValidation());
        assertTrue(Double.isNaN(history.epochs().get(0).validationAccuracy()));
    }

    @Test
    void validationMetricsAreEvaluationModeLossAndAccuracyOverAllRows() throws IOException {
        SoftmaxRegression model = Blobs.model(0.1);
        EpochResult result = Fit.model(model).batchSize(50).validation(VALIDATION).quiet().run(TRAIN).epochs().get(0);

        float[] losses = new float[VALIDATION.size()];
        model.losses(VALIDATION.features(), VALIDATION.labels(), VALIDATION.size(), losses);
        double meanLoss = 0;
        for (float loss : losses) {
            meanLoss += loss;
        }
        meanLoss /= losses.length;
        int[] predicted = new int[VALIDATION.size()];
        model.predict(VALIDATION.features(), VALIDATION.size(), predicted);
        int correct = 0;
        for (int r = 0; r < predicted.length; r++) {
            correct += predicted[r] == VALIDATION.labels()[r] ? 1 : 0;
        }
        assertEquals(meanLoss, result.validationLoss(), 1e-6);
        assertEquals((double) correct / predicted.length, result.validationAccuracy());
    }

    @Test
    void epochSchedulerSetsTheRateBeforeEachEpoch() throws IOException {
        SoftmaxRegression model = Blobs.model(0.2);
        Recorder recorder = new Recorder(model);
        StepLR schedule = new StepLR(2, 0.5);
        History history = Fit.model(model).epochs(5).batchSize(100).scheduler(schedule).listener(recorder).quiet()
                .run(TRAIN);

        List<Double> expected = new ArrayList<>();
        for (int epoch = 0; epoch < 5; epoch++) {
            for (int b = 0; b < 3; b++) {
                expected.add(schedule.learningRate(0.2, epoch));
            }
            assertEquals(schedule.learningRate(0.2, epoch), history.epochs().get(epoch).learningRate());
        }
        assertEquals(expected, recorder.stepRates);
        assertEquals(List.of(0.2, 0.2, 0.1, 0.1, 0.05),
                history.epochs().stream().map(EpochResult::learningRate).toList());
    }

    @Test
    void stepSchedulerSetsTheRateBeforeEachStep() throws IOException {
        SoftmaxRegression model = Blobs.model(0.2);
        Recorder recorder = new Recorder(model);
        SequentialLR schedule = new LinearLR(0.1, 1, 4).then(4, new CosineAnnealingLR(5, 0.01));
        History history = Fit.model(model).epochs(3).batchSize(100)
                .scheduler(schedule, LearningRateSchedule.Interval.STEP).listener(recorder).quiet().run(TRAIN);

        assertEquals(9, recorder.stepRates.size());
        for (int step = 0; step < 9; step++) {
            assertEquals(schedule.learningRate(0.2, step), recorder.stepRates.get(step), "step " + step);
        }
        assertEquals(recorder.stepRates.get(8), history.epochs().get(2).learningRate());
    }

    @Test
    void runsWithTheSameSeedAreIdenticalAndOtherSeedsDiffer() throws IOException {
        SoftmaxRegression a = Blobs.model(0.1);
        SoftmaxRegression b = Blobs.model(0.1);
        SoftmaxRegression c = Blobs.model(0.1);
        SoftmaxRegression unshuffled = Blobs.model(0.1);
        Fit.model(a).epochs(2).batchSize(16).shuffleSeed(5).quiet().run(TRAIN);
        Fit.model(b).epochs(2).batchSize(16).shuffleSeed(5).quiet().run(TRAIN);
        Fit.model(c).epochs(2).batchSize(16).shuffleSeed(6).quiet().run(TRAIN);
        Fit.model(unshuffled).epochs(2).batchSize(16).shuffle(false).quiet().run(TRAIN);
        assertTrue(a.sameState(b));
        assertFalse(a.sameState(c));
        assertFalse(a.sameState(unshuffled));
    }

    @Test
    void earlyStoppingEndsTheRunWhenValidationLossStopsImproving() throws IOException {
        // Validation labels are shifted by one class: the better the model learns, the worse it scores.
        SoftmaxRegression model = Blobs.model(0.1);
        Recorder recorder = new Recorder(model);
        History history = Fit.model(model).epochs(20).batchSize(32).validation(Blobs.mislabelled(VALIDATION))
                .earlyStopping(3).checkpointDir(dir).listener(recorder).quiet().run(TRAIN);

        assertTrue(history.stoppedEarly());
        assertEquals(4, history.epochs().size(), history.toCsv());
        assertEquals(1, history.best().orElseThrow().epoch());
        assertEquals(4, recorder.epochsStarted.size());
        assertEquals("1", metadata(dir.resolve(Fit.BEST_CHECKPOINT)).get("train.epoch"));
        assertEquals("4", metadata(dir.resolve(Fit.LAST_CHECKPOINT)).get("train.epoch"));

        // Resuming an early-stopped run stops again without training.
        SoftmaxRegression resumed = Blobs.model(0.1);
        History again = Fit.model(resumed).epochs(20).batchSize(32).validation(Blobs.mislabelled(VALIDATION))
                .earlyStopping(3).resumeFrom(dir.resolve(Fit.LAST_CHECKPOINT)).quiet().run(TRAIN);
        assertTrue(again.stoppedEarly());
        assertEquals(4, again.epochs().size());
        assertTrue(resumed.sameState(model));
    }

    @Test
    void earlyStoppingCanFollowAccuracy() throws IOException {
        History history = Fit.model(Blobs.model(0.1)).epochs(20).batchSize(32)
                .validation(Blobs.mislabelled(VALIDATION)).monitor(Metric.VALIDATION_ACCURACY).earlyStopping(2).quiet()
                .run(TRAIN);
        assertTrue(history.stoppedEarly());
        EpochResult best = history.best().orElseThrow();
        assertEquals(best.epoch() + 2, history.epochs().size(), history.toCsv());
        for (EpochResult e : history.epochs()) {
            assertTrue(e.validationAccuracy() <= best.validationAccuracy());
        }
    }

    @Test
    void earlyStoppingNeedsAValidationSet() {
        Fit fit = Fit.model(Blobs.model(0.1)).earlyStopping(2).quiet();
        assertThrows(IllegalStateException.class, () -> fit.run(TRAIN));
    }

    @Test
    void rejectsDataOfTheWrongWidth() {
        LabeledData wide = new LabeledData(new float[10], new int[2]);
        assertThrows(IllegalArgumentException.class, () -> Fit.model(Blobs.model(0.1)).quiet().run(wide));
        assertThrows(IllegalArgumentException.class,
                () -> Fit.model(Blobs.model(0.1)).validation(wide).quiet().run(TRAIN));
    }

    @Test
    void checkpointsHoldTheLoopState() throws IOException {
        SoftmaxRegression model = Blobs.model(0.1);
        History history = Fit.model(model).epochs(3).batchSize(40).shuffleSeed(9).validation(VALIDATION)
                .scheduler(new StepLR(1, 0.5)).checkpointDir(dir).quiet().run(TRAIN);

        Map<String, String> last = metadata(dir.resolve(Fit.LAST_CHECKPOINT));
        assertEquals("3", last.get("train.epoch"));
        assertEquals("0.1", last.get("train.base_lr"));
        assertEquals("3", last.get("train.schedule_step"));
        assertEquals("40", last.get("train.batch_size"));
        assertEquals("9", last.get("train.shuffle_seed"));
        assertEquals(history.toCsv(), last.get("train.history"));
        assertEquals(Long.toString(model.steps()), last.get("kiln.steps"));
        EpochResult best = history.best().orElseThrow();
        assertEquals(Double.toString(best.validationLoss()), last.get("train.best_metric"));
        assertEquals(Integer.toString(best.epoch()),
                metadata(dir.resolve(Fit.BEST_CHECKPOINT)).get("train.epoch"));
        try (var files = Files.list(dir)) {
            assertEquals(List.of(Fit.BEST_CHECKPOINT, Fit.LAST_CHECKPOINT),
                    files.map(p -> p.getFileName().toString()).sorted().toList(), "no temporary files left");
        }
    }

    /** Trains 4 epochs straight, or 2 then resumes for 2 more, with everything that carries state. */
    private SoftmaxRegression train(int epochs, Path checkpoints, Path resumeFrom, List<EpochResult> history)
            throws IOException {
        SoftmaxRegression model = Blobs.model(0.3);
        Fit fit = Fit.model(model).epochs(epochs).batchSize(24).shuffleSeed(3).validation(VALIDATION)
                .scheduler(new LinearLR(0.2, 1, 5).then(5, new CosineAnnealingLR(30, 0.001)),
                        LearningRateSchedule.Interval.STEP)
                .earlyStopping(10).checkpointDir(checkpoints).quiet();
        if (resumeFrom != null) {
            fit.resumeFrom(resumeFrom);
        }
        history.addAll(fit.run(TRAIN).epochs());
        return model;
    }

    @Test
    void twoEpochsThenResumingForTwoMoreEqualsFourStraightBitForBit() throws IOException {
        List<EpochResult> straightHistory = new ArrayList<>();
        SoftmaxRegression straight = train(4, dir.resolve("straight"), null, straightHistory);
        List<EpochResult> firstHalf = new ArrayList<>();
        train(2, dir.resolve("split"), null, firstHalf);
        List<EpochResult> resumedHistory = new ArrayList<>();
        SoftmaxRegression resumed = train(4, dir.resolve("split"), dir.resolve("split").resolve(Fit.LAST_CHECKPOINT),
                resumedHistory);

        assertTrue(resumed.sameState(straight));
        assertEquals(4, resumedHistory.size());
        assertEquals(firstHalf, resumedHistory.subList(0, 2), "the history so far comes back exactly, timings included");
        for (int e = 0; e < 4; e++) {
            assertEquals(withoutTimings(straightHistory.get(e)), withoutTimings(resumedHistory.get(e)));
        }
        // The best checkpoints hold the same tensors (their metadata differs: it records timings).
        SafetensorsFile straightBest = Safetensors.read(dir.resolve("straight").resolve(Fit.BEST_CHECKPOINT));
        SafetensorsFile resumedBest = Safetensors.read(dir.resolve("split").resolve(Fit.BEST_CHECKPOINT));
        assertEquals(straightBest.names(), resumedBest.names());
        for (String name : straightBest.names()) {
            assertArrayEquals(straightBest.floats(name), resumedBest.floats(name), name);
        }
    }

    private static EpochResult withoutTimings(EpochResult e) {
        return new EpochResult(e.epoch(), e.trainLoss(), e.validationLoss(), e.validationAccuracy(), e.learningRate(),
                0, 0);
    }

    @Test
    void resumeRefusesADifferentBatchSize() throws IOException {
        Fit.model(Blobs.model(0.1)).epochs(1).batchSize(32).checkpointDir(dir).quiet().run(TRAIN);
        Fit fit = Fit.model(Blobs.model(0.1)).epochs(2).batchSize(64).resumeFrom(dir.resolve(Fit.LAST_CHECKPOINT))
                .quiet();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> fit.run(TRAIN));
        assertTrue(e.getMessage().contains("batch size 32"), e.getMessage());
    }

    @Test
    void resumeRefusesAFileThatIsNotATrainingCheckpoint() throws IOException {
        SoftmaxRegression model = Blobs.model(0.1);
        Path plain = dir.resolve("weights.safetensors");
        model.save(plain);
        Fit fit = Fit.model(Blobs.model(0.1)).resumeFrom(plain).quiet();
        IOException e = assertThrows(IOException.class, () -> fit.run(TRAIN));
        assertTrue(e.getMessage().contains("not a training checkpoint"), e.getMessage());
    }

    /** Leaves half a file at the target, then dies, when asked to save a given epoch: a save that is not atomic. */
    private static final class CrashingModel extends SoftmaxRegression {
        private final String crashEpoch;

        CrashingModel(String crashEpoch) {
            super(Blobs.INPUTS, Blobs.CLASSES, 0.3, 7);
            this.crashEpoch = crashEpoch;
        }

        @Override
        public void saveCheckpoint(Path file, Map<String, String> metadata) throws IOException {
            if (crashEpoch.equals(metadata.get("train.epoch"))) {
                super.saveCheckpoint(file, metadata);
                byte[] bytes = Files.readAllBytes(file);
                Files.write(file, Arrays.copyOf(bytes, bytes.length / 2));
                throw new IllegalStateException("simulated crash while saving");
            }
            super.saveCheckpoint(file, metadata);
        }
    }

    @Test
    void aCrashWhileCheckpointingLeavesThePreviousCheckpointIntactAndResumable() throws IOException {
        Path checkpoints = dir.resolve("crash");
        Fit crashing = Fit.model(new CrashingModel("3")).epochs(4).batchSize(24).shuffleSeed(3)
                .validation(VALIDATION).checkpointDir(checkpoints).quiet();
        assertThrows(IllegalStateException.class, () -> crashing.run(TRAIN));

        Path last = checkpoints.resolve(Fit.LAST_CHECKPOINT);
        assertEquals("2", metadata(last).get("train.epoch"));
        try (var files = Files.list(checkpoints)) {
            assertEquals(List.of(Fit.BEST_CHECKPOINT, Fit.LAST_CHECKPOINT),
                    files.map(p -> p.getFileName().toString()).sorted().toList());
        }

        SoftmaxRegression resumed = Blobs.model(0.3);
        Fit.model(resumed).epochs(4).batchSize(24).shuffleSeed(3).validation(VALIDATION).resumeFrom(last).quiet()
                .run(TRAIN);
        SoftmaxRegression straight = Blobs.model(0.3);
        Fit.model(straight).epochs(4).batchSize(24).shuffleSeed(3).validation(VALIDATION).quiet().run(TRAIN);
        assertTrue(resumed.sameState(straight));
        assertNotEquals(0, straight.steps());
    }
}
