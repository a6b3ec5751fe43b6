package dev.kiln.kernel.simd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.kiln.kernel.Kernels;
import dev.kiln.thread.ThreadTeam;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The JIT warm-up runs only for large layers, once, and leaves no trace but compiled code. */
class JitWarmUpTest {
    private final Kernels kernels = new VectorKernels();

    @Test
    void warmsUpOnceForTheFirstLargeLayerOnly() {
        assumeFalse("false".equals(System.getProperty("kiln.warmUp")), "the warm-up is switched off");
        assertFalse(JitWarmUp.started(), "nothing in this JVM warmed up before");
        kernels.warmUp(JitWarmUp.LARGE_LAYER_WEIGHTS - 1);
        assertFalse(JitWarmUp.started(), "a layer below the threshold does not pay for a warm-up");
        kernels.warmUp(JitWarmUp.LARGE_LAYER_WEIGHTS);
        assertTrue(JitWarmUp.started());
    }

    @Test
    void warmUpChangesNoResultAndLeavesNoThread() {
        int n = 37, in = 70, out = 129;
        SplittableRandom random = new SplittableRandom(3);
        float[] x = new float[n * in], params = new float[in * out + out];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian();
        }
        for (int i = 0; i < params.length; i++) {
            params[i] = (float) random.nextGaussian();
        }
        float[] before = new float[n * out], after = new float[n * out];
        Set<String> threads = kilnThreads();
        try (ThreadTeam team = new ThreadTeam(2)) {
            kernels.linearForward(team, n, in, out, x, 0, params, 0, in * out, before, 0);
            JitWarmUp.run(kernels);
            kernels.linearForward(team, n, in, out, x, 0, params, 0, in * out, after, 0);
        }
        assertArrayEquals(before, after);
        assertEquals(threads, kilnThreads(), "the warm-up's team is closed");
    }

    private static Set<String> kilnThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith("kiln-"))
                .map(Thread::getName).collect(Collectors.toSet());
    }
}
