package dev.kiln.kernel.simd;

import dev.kiln.kernel.Activation;
import dev.kiln.kernel.Kernels;
import dev.kiln.thread.ThreadTeam;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Brings the hot loops of the Vector API kernels to the JIT's optimising compiler before a model with
 * large layers needs them, by running training steps of a tiny layer on scratch arrays.
 *
 * <p>Why: until C2 compiles a method, every vector operation in it is an object allocation and a
 * scalar loop over the lanes, hundreds of times slower than the compiled code. HotSpot compiles a
 * method after enough calls and loop iterations; the first steps of a model with large layers make
 * few calls, each doing a lot of that slow work (the Fashion-MNIST MLP's first step took 1.4 s).
 * Tiny problems reach the thresholds after far less work, through the same call paths a model takes.
 *
 * <p>It runs once per JVM, from the constructor of the first model whose largest layer has at least
 * {@link #LARGE_LAYER_WEIGHTS} weights, before the model initialises its parameters, and touches no
 * model's state. Measured on Zen 5, JDK 17, medians of 6–7 fresh JVMs, construction and warm-up
 * included: the Fashion-MNIST MLP's first 300 steps at 1 thread took 2.95 s instead of 3.68 (100
 * warm-up steps: 3.19), its first 100 steps at 2 threads 2.72 s instead of 2.91 (100, 200 or 300
 * warm-up steps alike). In the Fashion-MNIST example, the warm-up's 1.3–1.5 s plus the first epoch
 * came to about the first epoch without it (2.8–3.8 s). Run just before the first step instead of
 * before parameter initialisation, it gained only 0.45 s at 1 thread: the C2 compilations it
 * queues need time to finish, which initialisation gives them.
 *
 * <p>What bounds the cold start is how fast C2 compiles the Vector API code, not which code runs first:
 * the first Fashion-MNIST step still takes 0.5–0.9 s after this warm-up (its large products start on
 * kernels C2 has not finished), and a warm-up that ran every micro-kernel width and both forward
 * orientations (300 to 1,500 steps; by 1,000 every step ran compiled, 2 s) made that step take as little
 * as 14 ms but reached the 100th step no sooner (2.4–3.1 s against 2.3–2.7 s in fresh JVMs).
 */
final class JitWarmUp {
    /**
     * Weights of a layer large enough to warm up for (the warm-up costs about 1 s). Smaller layers take
     * the JIT past its thresholds after less slow work; where exactly the gain turns to a loss was not
     * measured.
     */
    static final long LARGE_LAYER_WEIGHTS = 1L << 16;
    /** Training steps of the tiny layer: enough for the micro-kernel and the packing to reach C2. */
    private static final int STEPS = 300;
    /**
     * The layer: a vector of rows, a column panel of outputs, two depth vectors. Its forward product is
     * computed transposed ({@link Gemm#linearForward}), and so transposes blocks of the inputs and outputs.
     */
    private static final int ROWS = Gemm.VLEN, INPUTS = 2 * Gemm.VLEN, OUTPUTS = Gemm.NR;
    private static final int WEIGHTS = INPUTS * OUTPUTS, PARAMETERS = WEIGHTS + OUTPUTS;
    private static final int LOGITS = 4 * Gemm.VLEN;
    private static final AtomicBoolean STARTED = new AtomicBoolean();

    private JitWarmUp() {}

    /**
     * Warms up {@code kernels}, once per JVM, for a model whose largest layer has {@code weights}
     * weights, if that is at least {@link #LARGE_LAYER_WEIGHTS} and {@code -Dkiln.warmUp=false} is not
     * set. Threads that call it meanwhile go on without waiting.
     */
    static void forLargestLayer(Kernels kernels, long weights) {
        if (weights >= LARGE_LAYER_WEIGHTS && !"false".equals(System.getProperty("kiln.warmUp"))
                && STARTED.compareAndSet(false, true)) {
            run(kernels);
        }
    }

    /** Whether this JVM has warmed up (or is warming up). */
    static boolean started() {
        return STARTED.get();
    }

    /** One layer's forward pass, loss exponentials, backward pass and SGD and Adam updates, {@link #STEPS} times. */
    static void run(Kernels kernels) {
        float[] x = new float[ROWS * INPUTS], z = new float[ROWS * OUTPUTS], a = new float[ROWS * OUTPUTS];
        float[] dx = new float[ROWS * INPUTS];
        float[] params = new float[PARAMETERS], grads = new float[PARAMETERS];
        float[] momentum = new float[PARAMETERS], expAvg = new float[PARAMETERS], expAvgSq = new float[PARAMETERS];
        float[] hi = new float[LOGITS], lo = new float[LOGITS], exps = new float[LOGITS];
        for (int i = 0; i < x.length; i++) {
            x[i] = (i % 7 - 3) * 0.25f;
        }
        for (int i = 0; i < PARAMETERS; i++) {
            params[i] = (i % 5 - 2) * 0.01f;
        }
        try (ThreadTeam team = new ThreadTeam(1)) {
            for (int step = 0; step < STEPS; step++) {
                kernels.firstNonFinite(x, x.length);
                kernels.linearActivationForward(team, Activation.RELU, ROWS, INPUTS, OUTPUTS, x, 0, params, 0,
                        WEIGHTS, z, 0, a, 0);
                // The same layer's first outputs, no more than its rows, so computed untransposed; and a
                // product of a whole column panel, which the layer's products do not have.
                kernels.linearForward(team, ROWS, INPUTS, ROWS, x, 0, params, 0, WEIGHTS, z, 0);
                kernels.sgemm(team, Gemm.MR, OUTPUTS, INPUTS, x, 0, INPUTS, params, 0, OUTPUTS, z, 0, OUTPUTS);
                kernels.exp(hi, lo, exps, 0, LOGITS);
                // The activations stand in for the output gradient, and x for the ReLU output of a layer
                // below (and its pre-activation).
                kernels.linearBackwardParams(team, ROWS, INPUTS, OUTPUTS, a, 0, x, 0, grads, 0, WEIGHTS);
                kernels.linearActivationBackwardInput(team, Activation.RELU, ROWS, INPUTS, OUTPUTS, a, 0, params, 0,
                        x, x, dx);
                kernels.sgdUpdate(team, params, grads, momentum, PARAMETERS, 1e-3f, 0.9f, 0f, 0f, false, step == 0);
                kernels.adamUpdate(team, params, grads, expAvg, expAvgSq, null, PARAMETERS, 1e-3, 0.9, 0.999,
                        1e-8, 0, false, 1e-3, 1);
            }
        }
    }
}
