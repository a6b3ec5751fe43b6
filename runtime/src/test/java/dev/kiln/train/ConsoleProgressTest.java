package dev.kiln.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConsoleProgressTest {
    private static final EpochResult WITH_VALIDATION = new EpochResult(3, 0.42131, 0.44019, 0.84612, 0.001, 6.24, 9674.2);

    private static String run(boolean live, EpochResult result, boolean stoppedEarly) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        long[] now = {0};
        ConsoleProgress progress =
                new ConsoleProgress(new PrintStream(bytes, true, StandardCharsets.UTF_8), live, () -> now[0]);
        progress.epochStarted(3, 10, 1000);
        // A batch every 40 ms: 100 rows / 0.04 s = 2,500 samples/s.
        for (int done = 100; done <= 1000; done += 100) {
            now[0] += 40_000_000;
            progress.batchFinished(3, done, done == 1000 ? 0.25f : 0.5f);
        }
        progress.epochFinished(result);
        progress.fitFinished(new History(List.of(result), Metric.VALIDATION_LOSS, stoppedEarly));
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void logModePrintsOneLinePerEpoch() {
        assertEquals("epoch  3/10  train_loss 0.4213  val_loss 0.4402  val_acc 84.61%  lr 1.000e-03  6.2 s  9,674 samples/s\n",
                run(false, WITH_VALIDATION, false));
    }

    @Test
    void logModeLeavesOutMissingValidation() {
        String line = run(false, new EpochResult(3, 0.5, Double.NaN, Double.NaN, 0.1, 1, 100), false);
        assertEquals("epoch  3/10  train_loss 0.5000  lr 1.000e-01  1.0 s  100 samples/s\n", line);
    }

    @Test
    void liveModeRedrawsOneLineThenEndsItWithTheSummary() {
        String[] frames = run(true, WITH_VALIDATION, false).split("\r", -1);
        // Throttled to one frame per 100 ms: after 120, 240, 360 ms, the epoch's end, then the summary.
        assertEquals(List.of("", "epoch  3/10 [=========>                    ] 300/1,000  ETA 0:00  2,500 samples/s  loss 0.5000",
                "epoch  3/10 [==================>           ] 600/1,000  ETA 0:00  2,500 samples/s  loss 0.5000",
                "epoch  3/10 [===========================>  ] 900/1,000  ETA 0:00  2,500 samples/s  loss 0.5000",
                "epoch  3/10 [==============================] 1,000/1,000  ETA 0:00  2,500 samples/s  loss 0.4750",
                "epoch  3/10  train_loss 0.4213  val_loss 0.4402  val_acc 84.61%  lr 1.000e-03  6.2 s  9,674 samples/s\n"),
                List.of(frames));
    }

    @Test
    void reportsEarlyStopping() {
        assertTrue(run(false, WITH_VALIDATION, true).endsWith("early stopping: val_loss has not improved since epoch 3\n"));
        assertFalse(run(false, WITH_VALIDATION, false).contains("early stopping"));
    }
}
