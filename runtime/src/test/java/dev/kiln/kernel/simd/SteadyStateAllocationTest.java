package dev.kiln.kernel.simd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.Reduction;
import dev.kiln.kernel.Activation;
import dev.kiln.kernel.CrossEntropy;
import dev.kiln.kernel.Kernels;
import dev.kiln.thread.ThreadTeam;
import java.lang.management.ManagementFactory;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * After warm-up, the kernels allocate nothing, counted on the calling thread and on the team's
 * workers (a per-call lambda, boxed vector or scratch buffer would show as at least 16 bytes a call).
 */
class SteadyStateAllocationTest {
    private static final int WARM_UP = 1500;
    private static final int MEASURED = 300;
    /** The activations that run in a pass of their own, with {@code TranscendentalActivations}. */
    private static final Activation[] TRANSCENDENTAL = {
        Activation.TANH, Activation.SIGMOID, Activation.GELU, Activation.GELU_TANH, Activation.SILU,
    };

    private final Kernels kernels = new VectorKernels();
    private final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    @Test
    void steadyStateKernelsAllocateNothingOnAnyThread() {
        Set<Thread> before = new HashSet<>(Thread.getAllStackTraces().keySet());
        try (ThreadTeam team = new ThreadTeam(2)) {
            Set<Thread> workers = new HashSet<>(Thread.getAllStackTraces().keySet());
            workers.removeAll(before);
            assertEquals(1, workers.size(), "the team's worker");
            long[] ids = new long[] {Thread.currentThread().getId(), workers.iterator().next().getId()};

            // Big enough that every kernel splits across the team.
            int n = 64, in = 128, out = 96, len = 80_000;
            float[] x = new float[n * in], params = new float[out * in + out], y = new float[n * out];
            float[] dy = new float[n * out], dx = new float[n * in], grads = new float[params.length];
            float[] z = new float[len], a = new float[len], g = new float[len], m = new float[len], v = new float[len];
            float[] noise = new float[len];
            Activation leaky = Activation.leakyRelu(0.01f);
            // A many-class loss: its rows run the loss row kernels, split across the team.
            int rows = 40, classes = 1003;
            CrossEntropy loss = new CrossEntropy(classes, 0.1, null, -100, Reduction.MEAN);
            float[] logits = new float[rows * classes], logitGrad = new float[rows * classes];
            int[] labels = new int[rows];
            for (int i = 0; i < logits.length; i++) {
                logits[i] = (float) Math.sin(i);
            }
            Runnable step = () -> {
                loss.indexLoss(team, logits, rows, labels, logitGrad, null);
                kernels.linearForward(team, n, in, out, x, 0, params, 0, out * in, y, 0);
                kernels.linearActivationForward(team, Activation.GELU, n, in, out, x, 0, params, 0, out * in, y, 0,
                        dy, 0);
                kernels.linearActivationBackwardInput(team, leaky, n, in, out, dy, 0, params, 0, x, x, dx);
                kernels.linearBackwardInput(team, n, in, out, dy, 0, params, 0, dx, 0);
                kernels.linearBackwardParams(team, n, in, out, dy, 0, x, 0, grads, 0, out * in);
                kernels.sgemm(team, n, out, in, x, 0, in, params, 0, out, y, 0, out);
                kernels.activationForward(team, leaky, z, a, len);
                kernels.activationBackward(team, Activation.TANH, z, a, g, len);
                for (Activation f : TRANSCENDENTAL) {
                    kernels.activationForward(team, f, z, a, 5000);
                    kernels.activationBackward(team, f, z, a, g, 5000);
                }
                kernels.dropoutApply(team, a, noise, a, len);
                kernels.sgdUpdate(team, z, g, m, len, 0.1f, 0.9f, 0f, 1e-4f, false, false);
                kernels.adamUpdate(team, z, g, m, v, null, len, 1e-3, 0.9, 0.999, 1e-8, 0.01, true, 1e-3, 0.5);
            };
            for (int i = 0; i < WARM_UP; i++) {
                step.run();
            }
            // A method deoptimised late (after the suite's other tests brought new receiver types to a call
            // site, say) runs its vector code unintrinsified, allocating, until C2 compiles it again: the
            // steady state is the best of a few windows. An allocation in the kernels shows in every one.
            double[] perStep = {Double.MAX_VALUE, Double.MAX_VALUE};
            for (int window = 0; window < 5 && (perStep[0] >= 1 || perStep[1] >= 1); window++) {
                long[] start = threads.getThreadAllocatedBytes(ids);
                for (int i = 0; i < MEASURED; i++) {
                    step.run();
                }
                long[] end = threads.getThreadAllocatedBytes(ids);
                for (int t = 0; t < ids.length; t++) {
                    perStep[t] = Math.min(perStep[t], (double) (end[t] - start[t]) / MEASURED);
                }
            }
            for (int t = 0; t < ids.length; t++) {
                assertTrue(perStep[t] < 1, (t == 0 ? "caller" : "worker") + " allocated " + perStep[t] + " bytes a step");
            }
        }
    }
}
