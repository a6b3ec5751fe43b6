package dev.kiln.kernel.simd;

import dev.kiln.kernel.Activation;
import dev.kiln.thread.ThreadTeam;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The elementwise kernels (activations, input checks, dropout, optimizer updates): one static method
 * per loop, and one team task per operation ({@link RangeTask}'s subclasses) that splits it into
 * contiguous, vector-aligned ranges. Every lane does exactly the float operations of
 * {@link dev.kiln.kernel.ScalarKernels}, in the same order (fused multiply-adds exactly where the scalar
 * code calls {@link Math#fma}), so results are bitwise those of the scalar kernels. The transcendental
 * activations are {@link TranscendentalActivations}.
 *
 * <p>Why so many small methods: C2 keeps a Vector API value in a register only when every call on it
 * is inlined and intrinsified in the method being compiled. A big compilation unit can run out of
 * inlining budget, and one whose contents depend on what other models ran before can do so only
 * sometimes; then the vectors are boxed and the loop allocates on every call. Each loop here is its own
 * method with its vectors in locals, and each task's {@code range} is reached through a virtual call,
 * so that every one is a small compilation of its own. Loop constants, comparison operands included,
 * are vectors made before the loop, never scalar operands of a vector operation: in some JVMs C2
 * compiled a {@code compare(GT, 0f)} inside the ReLU derivative's loop with the broadcast behind its
 * scalar operand left to its Java fallback, one allocation per vector.
 */
final class Elementwise {
    private static final VectorSpecies<Float> F = VectorKernels.SPECIES;
    private static final int VLEN = F.length();

    private Elementwise() {}

    // ---- activations ----------------------------------------------------------------------------

    /**
     * {@code a[aAt + i] = f(z[zAt + i])} for {@code i < count}, as {@link Activation#apply}; {@code a} may
     * be {@code z} at the same offset. {@code scratch} ({@link TranscendentalActivations#SCRATCH} floats)
     * is needed only when {@code f} is not {@link #isPiecewiseLinear}.
     */
    static void activationForward(Activation f, float[] z, int zAt, float[] a, int aAt, int count,
                                  float[] scratch) {
        if (isPiecewiseLinear(f)) {
            piecewiseLinearForward(f, z, zAt, a, aAt, count);
        } else {
            TranscendentalActivations.forward(f, z, zAt, a, aAt, count, scratch);
        }
    }

    /**
     * Whether {@code f} is Identity, ReLU or LeakyReLU: cheap enough to apply in a matrix product's
     * epilogue. The others ({@link TranscendentalActivations}) run in a pass of their own, split across
     * the team: their cost is the function, not the memory pass, and the product's compilation stays
     * small (C2 gives up inlining, and then boxes vectors, in graphs that grow too large).
     */
    static boolean isPiecewiseLinear(Activation f) {
        return switch (f.kind()) {
            case IDENTITY, RELU, LEAKY_RELU -> true;
            default -> false;
        };
    }

    /** {@link #activationForward} for an {@link #isPiecewiseLinear} activation; also the GEMM epilogue. */
    static void piecewiseLinearForward(Activation f, float[] z, int zAt, float[] a, int aAt, int count) {
        switch (f.kind()) {
            case IDENTITY:
                if (a != z || aAt != zAt) {
                    System.arraycopy(z, zAt, a, aAt, count);
                }
                break;
            case RELU:
                relu(z, zAt, a, aAt, count);
                break;
            case LEAKY_RELU:
                leakyRelu(f.negativeSlope(), z, zAt, a, aAt, count);
                break;
            default:
                throw new IllegalArgumentException("not piecewise linear: " + f);
        }
    }

    /** {@code a = z > 0 ? z : +0}. */
    private static void relu(float[] z, int zAt, float[] a, int aAt, int count) {
        FloatVector zero = FloatVector.zero(F);
        int i = 0;
        for (int bound = F.loopBound(count); i < bound; i += VLEN) {
            FloatVector v = FloatVector.fromArray(F, z, zAt + i);
            zero.blend(v, v.compare(VectorOperators.GT, zero)).intoArray(a, aAt + i);
        }
        for (; i < count; i++) {
            float v = z[zAt + i];
            a[aAt + i] = v > 0 ? v : 0f;
        }
    }

    /** {@code a = z > 0 ? z : slope·z}. */
    private static void leakyRelu(float slope, float[] z, int zAt, float[] a, int aAt, int count) {
        FloatVector zero = FloatVector.zero(F), slopeV = FloatVector.broadcast(F, slope);
        int i = 0;
        for (int bound = F.loopBound(count); i < bound; i += VLEN) {
            FloatVector v = FloatVector.fromArray(F, z, zAt + i);
            v.mul(slopeV).blend(v, v.compare(VectorOperators.GT, zero)).intoArray(a, aAt + i);
        }
        for (; i < count; i++) {
            float v = z[zAt + i];
            a[aAt + i] = v > 0 ? v : slope * v;
        }
    }

    /**
     * {@code grad[i] *= f'(z[i])} given {@code a[i] = f(z[i])}, for {@code i} in {@code [from, to)}, as
     * {@link Activation#derivative}; {@code scratch} as for {@link #activationForward}, needed only when
     * {@code f} has no {@link #hasCheapDerivative}.
     */
    static void activationBackward(Activation f, float[] z, float[] a, float[] grad, int from, int to,
                                   float[] scratch) {
        if (hasCheapDerivative(f)) {
            cheapActivationBackward(f, z, a, grad, from, to);
        } else {
            TranscendentalActivations.backward(f, z, a, grad, from, to, scratch);
        }
    }

    /**
     * Whether {@code f'} needs no transcendental function (the piecewise-linear activations, and Tanh and
     * Sigmoid, whose derivatives use their value): cheap enough for a matrix product's epilogue.
     */
    static boolean hasCheapDerivative(Activation f) {
        return isPiecewiseLinear(f) || f.kind() == Activation.Kind.TANH || f.kind() == Activation.Kind.SIGMOID;
    }

    /** {@link #activationBackward} for an activation {@link #hasCheapDerivative}; also the GEMM epilogue. */
    static void cheapActivationBackward(Activation f, float[] z, float[] a, float[] grad, int from, int to) {
        switch (f.kind()) {
            case IDENTITY:
                break;
            case RELU:
                stepBackward(0f, z, grad, from, to);
                break;
            case LEAKY_RELU:
                stepBackward(f.negativeSlope(), z, grad, from, to);
                break;
            case TANH:
                tanhBackward(a, grad, from, to);
                break;
            case SIGMOID:
                sigmoidBackward(a, grad, from, to);
                break;
            default:
                throw new IllegalArgumentException("needs a transcendental function: " + f);
        }
    }

    /** {@code grad *= z > 0 ? 1 : below}: the derivative of ReLU ({@code below = 0}) and LeakyReLU. */
    private static void stepBackward(float below, float[] z, float[] grad, int from, int to) {
        FloatVector belowV = FloatVector.broadcast(F, below);
        FloatVector one = FloatVector.broadcast(F, 1f), zero = FloatVector.zero(F);
        int i = from;
        for (int bound = from + F.loopBound(to - from); i < bound; i += VLEN) {
            FloatVector d = belowV.blend(one, FloatVector.fromArray(F, z, i).compare(VectorOperators.GT, zero));
            FloatVector.fromArray(F, grad, i).mul(d).intoArray(grad, i);
        }
        for (; i < to; i++) {
            grad[i] *= z[i] > 0 ? 1f : below;
        }
    }

    /** {@code grad *= 1 - a²}. */
    private static void tanhBackward(float[] a, float[] grad, int from, int to) {
        FloatVector one = FloatVector.broadcast(F, 1f);
        int i = from;
        for (int bound = from + F.loopBound(to - from); i < bound; i += VLEN) {
            FloatVector t = FloatVector.fromArray(F, a, i);
            FloatVector.fromArray(F, grad, i).mul(one.sub(t.mul(t))).intoArray(grad, i);
        }
        for (; i < to; i++) {
            grad[i] *= 1f - a[i] * a[i];
        }
    }

    /** {@code grad *= a·(1 - a)}. */
    private static void sigmoidBackward(float[] a, float[] grad, int from, int to) {
        FloatVector one = FloatVector.broadcast(F, 1f);
        int i = from;
        for (int bound = from + F.loopBound(to - from); i < bound; i += VLEN) {
            FloatVector s = FloatVector.fromArray(F, a, i);
            FloatVector.fromArray(F, grad, i).mul(s.mul(one.sub(s))).intoArray(grad, i);
        }
        for (; i < to; i++) {
            grad[i] *= a[i] * (1f - a[i]);
        }
    }

    // ---- input checks ---------------------------------------------------------------------------

    /**
     * Whether {@code values[from, to)} are all finite: {@code v - v} is 0 for a finite value and NaN
     * otherwise, and NaN survives any sum of such terms (two accumulators hide the addition's latency).
     */
    static boolean allFinite(float[] values, int from, int to) {
        FloatVector even = FloatVector.zero(F), odd = FloatVector.zero(F);
        int i = from;
        for (int bound = to - (to - from) % (2 * VLEN); i < bound; i += 2 * VLEN) {
            FloatVector v = FloatVector.fromArray(F, values, i);
            FloatVector w = FloatVector.fromArray(F, values, i + VLEN);
            even = even.add(v.sub(v));
            odd = odd.add(w.sub(w));
        }
        float probe = even.add(odd).reduceLanes(VectorOperators.ADD);
        for (; i < to; i++) {
            probe += values[i] - values[i];
        }
        return probe == 0f;
    }

    // ---- dropout --------------------------------------------------------------------------------

    /** {@code y[i] = x[i] · noise[i]} for {@code i} in {@code [from, to)}; {@code y} may be {@code x}. */
    private static void multiply(float[] x, float[] noise, float[] y, int from, int to) {
        int i = from;
        for (int bound = from + F.loopBound(to - from); i < bound; i += VLEN) {
            FloatVector.fromArray(F, x, i).mul(FloatVector.fromArray(F, noise, i)).intoArray(y, i);
        }
        for (; i < to; i++) {
            y[i] = x[i] * noise[i];
        }
    }

    // ---- tasks ----------------------------------------------------------------------------------

    /**
     * One elementwise operation as a team task: the caller sets the operands, {@link #dispatch} runs the
     * parts, and each part calls {@link #range} on its own slice. Operand arrays are cleared afterwards
     * ({@link #clear}) so that a task keeps none alive.
     */
    abstract static class RangeTask implements ThreadTeam.Task {
        /** Part boundaries are multiples of this, so every part but the last runs whole vectors. */
        private static final int ALIGN = 4 * VLEN;
        /** Minimum work per part, in passes of a memory-bound loop over one element. */
        private static final long MIN_PART_WORK = 1 << 15;
        /** The work of one element of a memory-bound loop, and of a loop calling transcendental functions. */
        static final int CHEAP = 1, COSTLY = 16;

        private int len;
        /** Index ranges per part ({@code from, to} pairs) to run instead of an even split, or null. */
        private int[][] segments;

        /** Runs {@code [0, len)} in parts of at least {@link #MIN_PART_WORK}, at {@code cost} per element. */
        final void dispatch(ThreadTeam team, int len, int cost) {
            dispatch(team, len, cost, null);
        }

        /**
         * As {@link #dispatch(ThreadTeam, int, int)}, but when the work is split over the whole team and
         * {@code segments} is not null, part {@code p} runs the ranges {@code segments[p]} (which together
         * cover {@code [0, len)} once) rather than the {@code p}-th of even slices.
         */
        final void dispatch(ThreadTeam team, int len, int cost, int[][] segments) {
            this.len = len;
            int parts = (int) Math.max(1, Math.min(team.parallelism(), (long) len * cost / MIN_PART_WORK));
            this.segments = parts > 1 && segments != null && segments.length == parts ? segments : null;
            try {
                team.run(parts, this);
            } finally {
                this.segments = null;
                clear();
            }
        }

        @Override
        public final void run(int part, int parts) {
            if (segments == null) {
                range(part, ThreadTeam.split(len, parts, part, ALIGN), ThreadTeam.split(len, parts, part + 1, ALIGN));
                return;
            }
            int[] ranges = segments[part];
            for (int r = 0; r < ranges.length; r += 2) {
                range(part, ranges[r], ranges[r + 1]);
            }
        }

        /** Runs {@code [from, to)}, the part numbered {@code part} (below the team's size). */
        abstract void range(int part, int from, int to);

        abstract void clear();
    }

    /**
     * {@link #activationForward} or {@link #activationBackward} over whole buffers, with a scratch array
     * per part for the transcendental activations (allocated on first use, one per thread of the team).
     */
    static final class ActivationTask extends RangeTask {
        private boolean backward;
        private Activation f;
        private float[] z, a, grad;
        private int zOff, aOff;
        private float[][] scratch = new float[0][];

        /** {@code a[aOff + i] = f(z[zOff + i])} for {@code i < len}. */
        void forward(ThreadTeam team, Activation f, float[] z, int zOff, float[] a, int aOff, int len) {
            set(false, f, z, zOff, a, aOff, null);
            boolean cheap = isPiecewiseLinear(f);
            if (!cheap) {
                ensureScratch(team);
            }
            dispatch(team, len, cheap ? CHEAP : COSTLY);
        }

        /** {@code grad[i] *= f'(z[i])} given {@code a[i] = f(z[i])}, for {@code i < len}. */
        void backward(ThreadTeam team, Activation f, float[] z, float[] a, float[] grad, int len) {
            set(true, f, z, 0, a, 0, grad);
            boolean cheap = hasCheapDerivative(f);
            if (!cheap) {
                ensureScratch(team);
            }
            dispatch(team, len, cheap ? CHEAP : COSTLY);
        }

        private void ensureScratch(ThreadTeam team) {
            if (scratch.length < team.size()) {
                scratch = new float[team.size()][TranscendentalActivations.SCRATCH];
            }
        }

        private void set(boolean backward, Activation f, float[] z, int zOff, float[] a, int aOff, float[] grad) {
            this.backward = backward;
            this.f = f;
            this.z = z;
            this.zOff = zOff;
            this.a = a;
            this.aOff = aOff;
            this.grad = grad;
        }

        @Override
        void range(int part, int from, int to) {
            float[] partScratch = part < scratch.length ? scratch[part] : null;
            if (backward) {
                activationBackward(f, z, a, grad, from, to, partScratch);
            } else {
                activationForward(f, z, zOff + from, a, aOff + from, to - from, partScratch);
            }
        }

        @Override
        void clear() {
            set(false, null, null, 0, null, 0, null);
        }
    }

    /** Dropout's forward and backward: {@code y = x · noise}. */
    static final class DropoutTask extends RangeTask {
        private float[] x, noise, y;

        void apply(ThreadTeam team, float[] x, float[] noise, float[] y, int len) {
            this.x = x;
            this.noise = noise;
            this.y = y;
            dispatch(team, len, CHEAP);
        }

        @Override
        void range(int part, int from, int to) {
            multiply(x, noise, y, from, to);
        }

        @Override
        void clear() {
            x = noise = y = null;
        }
    }

    /**
     * {@code sums[j] = Σ_r m[r][j]} for a row-major {@code rows × cols} matrix, accumulated row by row
     * from zero as the scalar kernel does (a Linear layer's bias gradient); split over columns.
     */
    static final class ColumnSumTask extends RangeTask {
        private float[] m, sums;
        private int rows, cols, mOff, sOff;

        void sum(ThreadTeam team, int rows, int cols, float[] m, int mOff, float[] sums, int sOff) {
            this.rows = rows;
            this.cols = cols;
            this.m = m;
            this.mOff = mOff;
            this.sums = sums;
            this.sOff = sOff;
            dispatch(team, cols, rows);
        }

        @Override
        void range(int part, int from, int to) {
            float[] m = this.m, sums = this.sums;
            int rows = this.rows, cols = this.cols, mOff = this.mOff, sOff = this.sOff;
            int j = from;
            for (int bound = from + F.loopBound(to - from); j < bound; j += VLEN) {
                FloatVector acc = FloatVector.zero(F);
                for (int r = 0; r < rows; r++) {
                    acc = acc.add(FloatVector.fromArray(F, m, mOff + r * cols + j));
                }
                acc.intoArray(sums, sOff + j);
            }
            for (; j < to; j++) {
                float acc = 0f;
                for (int r = 0; r < rows; r++) {
                    acc += m[mOff + r * cols + j];
                }
                sums[sOff + j] = acc;
            }
        }

        @Override
        void clear() {
            m = sums = null;
        }
    }

    /** One SGD update, as {@code ScalarKernels.sgdUpdate}. */
    static final class SgdTask extends RangeTask {
        private float[] params, grads, buffer;
        private float lr, momentum, keep, weightDecay;
        private boolean nesterov, firstStep;

        void update(ThreadTeam team, float[] params, float[] grads, float[] momentumBuffer, int len,
                    float lr, float momentum, float dampening, float weightDecay, boolean nesterov,
                    boolean firstStep, int[][] segments) {
            this.params = params;
            this.grads = grads;
            this.buffer = momentumBuffer;
            this.lr = lr;
            this.momentum = momentum;
            keep = 1f - dampening;
            this.weightDecay = weightDecay;
            this.nesterov = nesterov;
            this.firstStep = firstStep;
            dispatch(team, len, CHEAP, segments);
        }

        @Override
        void range(int part, int from, int to) {
            // Fields in locals, so the JIT keeps them in registers across the loop.
            float[] params = this.params, grads = this.grads, buffer = this.buffer;
            float lr = this.lr, momentum = this.momentum, keep = this.keep, weightDecay = this.weightDecay;
            boolean nesterov = this.nesterov, firstStep = this.firstStep;
            boolean decay = weightDecay != 0f, withMomentum = momentum != 0f;
            FloatVector lrV = FloatVector.broadcast(F, lr), momentumV = FloatVector.broadcast(F, momentum),
                    keepV = FloatVector.broadcast(F, keep), weightDecayV = FloatVector.broadcast(F, weightDecay);
            int i = from;
            for (int bound = from + F.loopBound(to - from); i < bound; i += VLEN) {
                FloatVector p = FloatVector.fromArray(F, params, i);
                FloatVector g = FloatVector.fromArray(F, grads, i);
                if (decay) {
                    g = g.add(p.mul(weightDecayV));
                }
                if (withMomentum) {
                    FloatVector b = firstStep ? g
                            : FloatVector.fromArray(F, buffer, i).mul(momentumV).add(g.mul(keepV));
                    b.intoArray(buffer, i);
                    g = nesterov ? g.add(b.mul(momentumV)) : b;
                }
                p.sub(g.mul(lrV)).intoArray(params, i);
            }
            for (; i < to; i++) {
                float g = grads[i];
                if (decay) {
                    g = g + weightDecay * params[i];
                }
                if (withMomentum) {
                    float b = firstStep ? g : momentum * buffer[i] + keep * g;
                    buffer[i] = b;
                    g = nesterov ? g + momentum * b : b;
                }
                params[i] = params[i] - lr * g;
            }
        }

        @Override
        void clear() {
            params = grads = buffer = null;
        }
    }

    /** One Adam or AdamW update, as {@code ScalarKernels.adamUpdate}. */
    static final class AdamTask extends RangeTask {
        private float[] params, grads, expAvg, expAvgSq, maxExpAvgSq;
        private float beta1, oneMinusBeta1, beta2, oneMinusBeta2, weightDecay, shrink, eps, negStepSize, bc2Sqrt;
        private boolean decay, decoupled;

        void update(ThreadTeam team, float[] params, float[] grads, float[] expAvg, float[] expAvgSq,
                    float[] maxExpAvgSq, int len, double lr, double beta1, double beta2, double eps,
                    double weightDecay, boolean decoupled, double stepSize, double bc2Sqrt, int[][] segments) {
            this.params = params;
            this.grads = grads;
            this.expAvg = expAvg;
            this.expAvgSq = expAvgSq;
            this.maxExpAvgSq = maxExpAvgSq;
            // The float constants of ScalarKernels.adamUpdate, rounded the same way.
            this.beta1 = (float) beta1;
            oneMinusBeta1 = (float) (1 - beta1);
            this.beta2 = (float) beta2;
            oneMinusBeta2 = (float) (1 - beta2);
            this.weightDecay = (float) weightDecay;
            shrink = (float) (1 - lr * weightDecay);
            this.eps = (float) eps;
            negStepSize = (float) -stepSize;
            this.bc2Sqrt = (float) bc2Sqrt;
            decay = weightDecay != 0;
            this.decoupled = decoupled;
            dispatch(team, len, CHEAP, segments);
        }

        @Override
        void range(int part, int from, int to) {
            float[] params = this.params, grads = this.grads, expAvg = this.expAvg, expAvgSq = this.expAvgSq,
                    maxExpAvgSq = this.maxExpAvgSq;
            float b1 = beta1, oneMinusB1 = oneMinusBeta1, b2 = beta2, oneMinusB2 = oneMinusBeta2, wd = weightDecay,
                    shrink = this.shrink, eps = this.eps, negStep = negStepSize, bc2Sqrt = this.bc2Sqrt;
            boolean decay = this.decay, decoupled = this.decoupled, amsgrad = maxExpAvgSq != null;
            FloatVector b1V = FloatVector.broadcast(F, b1), oneMinusB1V = FloatVector.broadcast(F, oneMinusB1),
                    b2V = FloatVector.broadcast(F, b2), oneMinusB2V = FloatVector.broadcast(F, oneMinusB2),
                    wdV = FloatVector.broadcast(F, wd), shrinkV = FloatVector.broadcast(F, shrink),
                    epsV = FloatVector.broadcast(F, eps), negStepV = FloatVector.broadcast(F, negStep),
                    bc2SqrtV = FloatVector.broadcast(F, bc2Sqrt);
            int i = from;
            for (int bound = from + F.loopBound(to - from); i < bound; i += VLEN) {
                FloatVector p = FloatVector.fromArray(F, params, i);
                FloatVector g = FloatVector.fromArray(F, grads, i);
                if (decay) {
                    if (decoupled) {
                        p = p.mul(shrinkV);
                    } else {
                        g = g.add(p.mul(wdV));
                    }
                }
                FloatVector m = FloatVector.fromArray(F, expAvg, i).mul(b1V).add(g.mul(oneMinusB1V));
                FloatVector v = FloatVector.fromArray(F, expAvgSq, i).mul(b2V).add(g.mul(oneMinusB2V).mul(g));
                m.intoArray(expAvg, i);
                v.intoArray(expAvgSq, i);
                if (amsgrad) {
                    v = FloatVector.fromArray(F, maxExpAvgSq, i).max(v);
                    v.intoArray(maxExpAvgSq, i);
                }
                // A float square root is correctly rounded, hence equal to (float) Math.sqrt(v).
                FloatVector denom = v.sqrt().div(bc2SqrtV).add(epsV);
                p.add(m.div(denom).mul(negStepV)).intoArray(params, i);
            }
            for (; i < to; i++) {
                float p = params[i];
                float g = grads[i];
                if (decay) {
                    if (decoupled) {
                        p = p * shrink;
                    } else {
                        g = g + wd * p;
                    }
                }
                float m = expAvg[i] * b1 + oneMinusB1 * g;
                float v = expAvgSq[i] * b2 + oneMinusB2 * g * g;
                expAvg[i] = m;
                expAvgSq[i] = v;
                if (amsgrad) {
                    v = Math.max(maxExpAvgSq[i], v);
                    maxExpAvgSq[i] = v;
                }
                float denom = (float) Math.sqrt(v) / bc2Sqrt + eps;
                params[i] = p + negStep * (m / denom);
            }
        }

        @Override
        void clear() {
            params = grads = expAvg = expAvgSq = maxExpAvgSq = null;
        }
    }
}
