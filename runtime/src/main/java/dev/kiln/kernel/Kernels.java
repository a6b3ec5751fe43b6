package dev.kiln.kernel;

import dev.kiln.thread.ThreadTeam;
import java.util.Optional;

/**
 * The numeric work of a training step, on row-major float arrays addressed by offsets. Generated
 * models call these and nothing else for their loops, so the implementation can be swapped: the
 * Vector API one when {@code jdk.incubator.vector} is available, otherwise the scalar one
 * ({@link #get()} chooses). Every implementation gives the same bits, whatever the team size: each
 * product output is one chain of fused multiply-adds in the order of the summed index, and the
 * elementwise kernels do the same float operations in the same order.
 *
 * <p>A Linear layer keeps its weight {@code W [out, in]} and bias {@code b [out]} inside one flat
 * parameter array at {@code wOff} and {@code bOff} ({@code bOff < 0}: no bias); gradients live at the
 * same offsets of a gradient array.
 */
public interface Kernels {

    /** The implementation chosen for this JVM (decided once, on first use). */
    static Kernels get() {
        return KernelProvider.kernels();
    }

    /** A short description, e.g. "scalar" or "Vector API, 512-bit". */
    String name();

    /**
     * How to run these kernels faster on this machine, to tell the user once, or empty when there is
     * nothing to tell.
     */
    default Optional<String> speedHint() {
        return Optional.empty();
    }

    /**
     * Prepares these kernels for a model whose largest Linear layer has {@code weights} weights, before
     * it initialises its parameters. The Vector API kernels then warm up, once per JVM and only for
     * layers large enough to pay, so that the JIT compiles their hot loops before the model's first
     * steps need them; {@code -Dkiln.warmUp=false} skips it. It changes no results.
     */
    default void warmUp(long weights) {}

    /**
     * Tells the kernels how a model's parameter array divides into rows: {@code layout} holds, for each
     * tensor, its offset, row count and row length, the tensors packed back to back from 0 (a weight
     * {@code [out, in]} is {@code out} rows of {@code in}). The Vector API kernels then give each thread
     * of {@code team} the same rows of every weight in the weight-gradient product, in the forward
     * product when it is computed transposed, and in the optimizer update, so that a thread updates
     * gradients it computed and weights only it reads in the next forward pass, in its own core's cache.
     * A model calls it once, right after creating its team. Results do not change.
     */
    default void ownParameterRows(ThreadTeam team, int[] layout) {}

    /** {@code y[n][out] = x[n][in] · Wᵀ (+ b)}. */
    void linearForward(ThreadTeam team, int n, int in, int out,
                       float[] x, int xOff, float[] params, int wOff, int bOff, float[] y, int yOff);

    /** Input gradient: {@code dx[n][in] = dy[n][out] · W}. */
    void linearBackwardInput(ThreadTeam team, int n, int in, int out,
                             float[] dy, int dyOff, float[] params, int wOff, float[] dx, int dxOff);

    /**
     * Parameter gradients, overwriting: {@code dW[out][in] = dyᵀ · x} and {@code db = Σ_rows dy}
     * (when {@code bOff ≥ 0}).
     */
    void linearBackwardParams(ThreadTeam team, int n, int in, int out,
                              float[] dy, int dyOff, float[] x, int xOff, float[] grads, int wOff, int bOff);

    /**
     * A Linear layer and its activation in one call: {@code z[n][out] = x · Wᵀ (+ b)} as
     * {@link #linearForward} and {@code a = f(z)} as {@link #activationForward}, bit for bit, with the
     * activation applied while each block of {@code z} is still in cache. {@code a} may be {@code z} at
     * the same offset (then only {@code f(z)} is kept).
     */
    void linearActivationForward(ThreadTeam team, Activation f, int n, int in, int out,
                                 float[] x, int xOff, float[] params, int wOff, int bOff,
                                 float[] z, int zOff, float[] a, int aOff);

    /**
     * Rows of x up to which {@link #linearForwardFromPanels} is faster than {@link #linearActivationForward};
     * 0 when these kernels read weights in place only (then {@link #panelsLength} is 0 too).
     */
    default int panelRows() {
        return 0;
    }

    /** Floats {@link #packPanels} writes for a weight {@code [out, in]}. */
    default int panelsLength(int in, int out) {
        return 0;
    }

    /**
     * Copies the weight {@code W[out][in]} at {@code params[wOff]} into {@code panels} from index 0, laid
     * out for {@link #linearForwardFromPanels}.
     */
    default void packPanels(ThreadTeam team, int in, int out, float[] params, int wOff, float[] panels) {}

    /**
     * {@link #linearActivationForward} ({@link #linearForward} when {@code f} is null, leaving {@code a}
     * alone) with the weight read from {@code panels}, which {@link #packPanels} filled from the weight at
     * {@code params[wOff]} as it is now; bit for bit the same. Kernels without panels read the weight in
     * place.
     */
    default void linearForwardFromPanels(ThreadTeam team, Activation f, int n, int in, int out,
                                         float[] x, int xOff, float[] params, int wOff, int bOff, float[] panels,
                                         float[] z, int zOff, float[] a, int aOff) {
        if (f == null) {
            linearForward(team, n, in, out, x, xOff, params, wOff, bOff, z, zOff);
        } else {
            linearActivationForward(team, f, n, in, out, x, xOff, params, wOff, bOff, z, zOff, a, aOff);
        }
    }

    /**
     * The input gradient of a Linear layer whose input was {@code a = f(z)}, taken back through
     * {@code f}: {@link #linearBackwardInput} into {@code dz} from index 0, then {@link #activationBackward}
     * on {@code z}, {@code a}, {@code dz} ({@code n·in} elements), bit for bit. An implementation may
     * apply the derivative to each block of the product while it is still in cache, saving a pass.
     */
    default void linearActivationBackwardInput(ThreadTeam team, Activation f, int n, int in, int out,
                                               float[] dy, int dyOff, float[] params, int wOff,
                                               float[] z, float[] a, float[] dz) {
        linearBackwardInput(team, n, in, out, dy, dyOff, params, wOff, dz, 0);
        activationBackward(team, f, z, a, dz, n * in);
    }

    /** {@code a[i] = f(z[i])} for {@code i < len}; {@code a} may be {@code z}. */
    void activationForward(ThreadTeam team, Activation f, float[] z, float[] a, int len);

    /**
     * {@code grad[i] *= f'(z[i])}, given {@code a = f(z)}: turns the gradient with respect to the
     * activation into the gradient with respect to its input.
     */
    void activationBackward(ThreadTeam team, Activation f, float[] z, float[] a, float[] grad, int len);

    /**
     * One SGD update of {@code params[0, len)}, in float as {@code torch.optim.SGD}:
     * {@code g += wd·θ}; with momentum μ the buffer is {@code b = g} on the first step, later
     * {@code b = μb + (1-τ)g}; {@code g = nesterov ? g + μb : b}; {@code θ -= lr·g}.
     * {@code momentumBuffer} may be null when {@code momentum == 0}.
     */
    void sgdUpdate(ThreadTeam team, float[] params, float[] grads, float[] momentumBuffer, int len,
                   float lr, float momentum, float dampening, float weightDecay, boolean nesterov,
                   boolean firstStep);

    /**
     * One Adam or AdamW update of {@code params[0, len)}, as {@code torch.optim.Adam}/{@code AdamW}:
     * {@code m = β1 m + (1-β1) g}, {@code v = β2 v + (1-β2) g²},
     * {@code θ -= stepSize · m / (√v̂ / bc2Sqrt + eps)} with {@code v̂ = amsgrad ? (vmax = max(vmax, v))
     * : v}. Coupled decay ({@code decoupled == false}) adds {@code wd·θ} to the gradient first; AdamW
     * multiplies {@code θ} by {@code 1 - lr·wd} first. {@code stepSize = lr / (1 - β1^t)} and
     * {@code bc2Sqrt = √(1 - β2^t)} are computed by the caller in double, as PyTorch does.
     */
    void adamUpdate(ThreadTeam team, float[] params, float[] grads, float[] expAvg, float[] expAvgSq,
                    float[] maxExpAvgSq, int len, double lr, double beta1, double beta2, double eps,
                    double weightDecay, boolean decoupled, double stepSize, double bc2Sqrt);

    /**
     * The index of the first NaN or infinite value in {@code values[0, count)}, or -1 when all are
     * finite: how models check their inputs, on the calling thread.
     */
    int firstNonFinite(float[] values, int count);

    /**
     * {@code out[i] = e^(hi[i] + lo[i])} for {@code i} in {@code [off, off + len)}, on the calling thread:
     * {@link FloatMath#exp(float, float)}, bit for bit in every implementation (the softmax of the loss).
     */
    void exp(float[] hi, float[] lo, float[] out, int off, int len);

    // ---- rows of the loss, on the calling thread ------------------------------------------------
    // The sums below have one order, defined by the scalar kernels: sixteen partial sums, lane l over
    // the values at l, l + 16, l + 32, ... of the whole blocks of 16, combined pairwise in a fixed
    // tree, then the remaining values one by one. Every implementation gives the same bits.

    /**
     * The largest of {@code v[at, at + n)} ({@code n ≥ 1}), NaN values never taken (a NaN logit makes the
     * loss NaN anyway), plus {@code 0f}, so that a zero maximum is +0: the same bits whatever order the
     * values are compared in.
     */
    float rowMax(float[] v, int at, int n);

    /**
     * For {@code i < n}: {@code x - max} with {@code x = logits[at + i]}, or {@code max - 200} for a
     * logit below that (its exponential is 0 either way, and an infinite difference would make the
     * error term NaN), as the float difference {@code hi[out + i]} and its exact rounding error
     * {@code lo[out + i]} (Knuth's TwoSum).
     */
    void shiftedLogits(float[] logits, int at, int n, float max, float[] hi, float[] lo, int out);

    /** {@code Σ v[at + i]} for {@code i < n}, in double, in the order above. */
    double sum(float[] v, int at, int n);

    /** {@code Σ w[i] · v[at + i]} for {@code i < n}, in double (each product rounded), in the order above. */
    double weightedSum(double[] w, float[] v, int at, int n);

    /**
     * {@code grad[gradAt + i] = scale · exps[at + i] - offset · w[i]} for {@code i < n}, in float (each
     * product rounded, then the difference; PyTorch's gradient is float too): the softmax cross-entropy's
     * gradient row, but for the target's correction.
     */
    void softmaxGradient(float[] exps, int at, int n, float scale, float offset, float[] w, float[] grad, int gradAt);

    /**
     * {@code y[i] = x[i] · noise[i]} for {@code i < len} ({@code y} may be {@code x}): dropout's forward
     * and backward, with the noise of {@link dev.kiln.random.Bernoulli#dropoutNoise}, as PyTorch's
     * {@code input * noise}.
     */
    void dropoutApply(ThreadTeam team, float[] x, float[] noise, float[] y, int len);

    /**
     * MT19937's twist: replaces its 624 state words with the next 624, in place, on the calling thread
     * ({@link Mt19937#twist}'s recurrence, bit for bit in every
     * implementation). {@link dev.kiln.random.MersenneTwister} calls it once per 624 outputs, which
     * dropout draws thousands of per step.
     */
    void mersenneTwist(int[] state);

    /**
     * Dropout multipliers from {@code count} MT19937 state words: {@code noise[noiseAt + j]} is
     * {@code kept} when the word {@code words[wordsAt + j]}, tempered, has its low 24 bits at least
     * {@code threshold}, else 0 (see {@link dev.kiln.random.Bernoulli#dropoutNoise}), on the calling
     * thread, bit for bit in every implementation.
     */
    void dropoutNoise(int[] words, int wordsAt, int count, int threshold, float kept, float[] noise, int noiseAt);

    /**
     * General matrix product {@code C[m][n] = A[m][k] · B[k][n]} (row-major, leading dimensions
     * {@code lda}, {@code ldb}, {@code ldc}); for benchmarks and callers beyond Linear layers.
     */
    void sgemm(ThreadTeam team, int m, int n, int k, float[] a, int aOff, int lda,
               float[] b, int bOff, int ldb, float[] c, int cOff, int ldc);
}
