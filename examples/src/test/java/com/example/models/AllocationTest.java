package com.example.models;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kiln.KilnModel;
import dev.kiln.Options;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * After warm-up, the training step and the evaluation calls allocate nothing, counted on every thread
 * of the model's team (the caller and its workers), single- and multi-threaded. It shares its JVM with
 * the other example tests on purpose: a JVM that has trained other models first is where the JIT has
 * been seen to compile a kernel loop with its vectors boxed.
 */
class AllocationTest {
    private static final int N = 64;
    /** Rows of the predictions from copies of the weights. */
    private static final int FEW = 4;
    private static final int WARMUP = 20_000;
    private static final int MEASURED = 2_000;

    @Test
    void singleThreadedStepsAllocateNothing() {
        assertNoAllocation(1);
    }

    @Test
    void multiThreadedStepsAllocateNothing() {
        assertNoAllocation(2);
    }

    private static void assertNoAllocation(int threads) {
        Random random = new Random(1);
        float[] x = new float[N * 5];
        int[] labels = new int[N];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian();
        }
        for (int i = 0; i < N; i++) {
            labels[i] = random.nextInt(4);
        }
        float[] logits = new float[N * 4];
        float[] losses = new float[N];
        int[] predictions = new int[N];
        // A model with layers large enough to predict a few rows from copies of its weights, redone after
        // each training step.
        float[] wideX = new float[FEW * 530];
        for (int i = 0; i < wideX.length; i++) {
            wideX[i] = (float) random.nextGaussian();
        }
        float[] wideLogits = new float[FEW * 10];
        int[] widePredictions = new int[FEW];
        try (KilnModel model = new KilnDropoutMlp(Options.defaults().withThreads(threads));
             KilnModel wide = new KilnWideDropoutNet(Options.defaults().withThreads(threads))) {
            Runnable calls = () -> {
                model.trainStep(x, labels, N);
                model.loss(x, labels, N);
                model.losses(x, labels, N, losses);
                model.logits(x, N, logits);
                model.predict(x, N, predictions);
                wide.trainStep(wideX, labels, FEW);
                wide.predict(wideX, 1, widePredictions);
                wide.logits(wideX, FEW, wideLogits);
            };
            for (int i = 0; i < WARMUP; i++) {
                calls.run();
            }
            long[] ids = kilnThreadsAndCaller();
            // A late JIT compilation can still allocate once in a while: the steady state is the best of
            // a few windows.
            long perRound = Long.MAX_VALUE;
            for (int window = 0; window < 5 && perRound > 0; window++) {
                long before = allocated(ids);
                for (int i = 0; i < MEASURED; i++) {
                    calls.run();
                }
                perRound = Math.min(perRound, (allocated(ids) - before) / MEASURED);
            }
            assertEquals(0, perRound, "bytes allocated per round of calls on threads " + Arrays.toString(ids));
        }
    }

    private static long[] kilnThreadsAndCaller() {
        long caller = Thread.currentThread().getId();
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("kiln-") || t.getId() == caller)
                .mapToLong(Thread::getId).toArray();
    }

    private static long allocated(long[] ids) {
        com.sun.management.ThreadMXBean bean = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        return Arrays.stream(bean.getThreadAllocatedBytes(ids)).sum();
    }
}
