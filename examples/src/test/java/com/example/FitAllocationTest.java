package com.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.example.models.KilnDropoutMlp;
import dev.kiln.Options;
import dev.kiln.data.Dataset;
import dev.kiln.train.CosineAnnealingLR;
import dev.kiln.train.Fit;
import dev.kiln.train.LearningRateSchedule;
import dev.kiln.train.TrainingListener;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Fit's batch loop allocates nothing in the steady state: from one batch to the next it copies the
 * rows into Batches' buffers, sets the scheduled rate and steps the model, all without allocating.
 * Measured on the training thread with a single-threaded model (AllocationTest covers the workers of a
 * multi-threaded one); per-epoch work (results, history) is outside the measured windows.
 */
class FitAllocationTest {
    private static final int ROWS = 64;
    private static final int BATCH = 8;
    // A small model's vector loops reach C2 only after some thousands of steps (README, Performance),
    // hence the long warm-up. Two JDK 25 CI runs (at 2,500 and at 5,500 warm-up epochs) saw every
    // measured epoch allocate 6,720 bytes: compiled code, not warm-up. The likely cause, a loop
    // constant's broadcast left to its Java fallback by C2, is gone from the kernels (README,
    // allocation notes); this test is what would show it again.
    private static final int EPOCHS = 6_000;
    private static final int WARMUP_EPOCHS = 5_500;

    /** Bytes the training thread allocates between consecutive batches of one epoch. */
    private static final class AllocationProbe implements TrainingListener {
        private final com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        private long previous;
        private long epochBytes;
        long leastPerEpoch = Long.MAX_VALUE;
        int measuredEpochs;

        @Override
        public void epochStarted(int epoch, int epochs, int samples) {
            epochBytes = 0;
            previous = -1;
        }

        @Override
        public void batchFinished(int epoch, int samplesDone, float loss) {
            long now = threads.getCurrentThreadAllocatedBytes();
            if (previous >= 0) {
                epochBytes += now - previous;
            }
            // Read again, so that what this method itself does is not charged to the loop.
            previous = threads.getCurrentThreadAllocatedBytes();
            if (samplesDone == ROWS && epoch > WARMUP_EPOCHS) {
                leastPerEpoch = Math.min(leastPerEpoch, epochBytes);
                measuredEpochs++;
            }
        }
    }

    @Test
    void theBatchLoopAllocatesNothingOnceWarm() throws IOException {
        Random random = new Random(5);
        float[] x = new float[ROWS * 5];
        int[] labels = new int[ROWS];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian();
        }
        for (int i = 0; i < ROWS; i++) {
            labels[i] = random.nextInt(4);
        }
        AllocationProbe probe = new AllocationProbe();
        try (var model = new KilnDropoutMlp(Options.defaults().withThreads(1))) {
            Fit.model(model).epochs(EPOCHS).batchSize(BATCH).shuffleSeed(2)
                    .scheduler(new CosineAnnealingLR(EPOCHS * ROWS / BATCH, 1e-4), LearningRateSchedule.Interval.STEP)
                    .listener(probe).quiet()
                    .run(Dataset.of(x, labels, 5, 4));
        }
        assertTrue(probe.measuredEpochs > 0);
        assertEquals(0, probe.leastPerEpoch, "bytes allocated between the batches of the least allocating epoch");
    }
}
