package dev.kiln.kernel.simd;

import dev.kiln.kernel.Activation;
import dev.kiln.thread.ThreadTeam;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The elementwise kernels (activations, dropout, optimizer updates) as a reusable team task: the caller
 * sets the operation and its operands, and each part processes one contiguous, vector-aligned range.
 * Every lane does exactly the float operations of {@link dev.kiln.kernel.ScalarKernels}, in the same
 * order and without fused multiply-adds, so results are bitwise those of the scalar kernels.
 * Transcendental activations (tanh, sigmoid, GELU, SiLU) use {@link Activation}'s double-precision
 * formulas per element, which match PyTorch; only their multithreading is added here.
 */
final class Elementwise implements ThreadTeam.Task {
    private static final VectorSpecies<Float> F = VectorKernels.SPECIES;
    private static final VectorSpecies<Byte> B =
            VectorSpecies.of(byte.class, VectorShape.forBitSize(F.length() * Byte.SIZE));
    private static final int VLEN = F.length();
    /** Part boundaries are multiples of this, so every part but the last runs whole vectors. */
    private static final int ALIGN = 4 * VLEN;
    /** Minimum elements per part for memory-bound loops, and for loops calling transcendental functions. */
    private static final int CHEAP_PART = 1 << 15;
    private static final int COSTLY_PART = 1 << 11;

    private enum Op { ACTIVATION_FORWARD, ACTIVATION_BACKWARD, DROPOUT, SGD, ADAM }

    // The operands of the current call; arrays are cleared afterwards so the task keeps none alive.
    private Op op;
    private int len;
    private Activation activation;
    private float[] pre, post, grad;
    private float[] values;
    private byte[] mask;
    private float scale;
    private float[] params, grads, momentumBuffer, expAvg, expAvgSq, maxExpAvgSq;
    private float lr, momentum, keep, weightDecay;
    private float beta1, oneMinusBeta1, beta2, oneMinusBeta2, shrink, eps, negStepSize, bc2Sqrt;
    private boolean nesterov, firstStep, decay, decoupled;

    private void dispatch(ThreadTeam team, Op op, int len, boolean costly) {
        this.op = op;
        this.len = len;
        int parts = Math.max(1, Math.min(team.size(), len / (costly ? COSTLY_PART : CHEAP_PART)));
        try {
            team.run(parts, this);
        } finally {
            pre = post = grad = values = params = grads = momentumBuffer = expAvg = expAvgSq = maxExpAvgSq = null;
            mask = null;
            activation = null;
        }
    }

    void activationForward(ThreadTeam team, Activation f, float[] z, float[] a, int len) {
        activation = f;
        pre = z;
        post = a;
        dispatch(team, Op.ACTIVATION_FORWARD, len, isTranscendental(f));
    }

    void activationBackward(ThreadTeam team, Activation f, float[] z, float[] a, float[] grad, int len) {
        activation = f;
        pre = z;
        post = a;
        this.grad = grad;
        dispatch(team, Op.ACTIVATION_BACKWARD, len, isTranscendental(f));
    }

    void dropout(ThreadTeam team, float[] x, byte[] mask, float scale, int len) {
        values = x;
        this.mask = mask;
        this.scale = scale;
        dispatch(team, Op.DROPOUT, len, false);
    }

    void sgd(ThreadTeam team, float[] params, float[] grads, float[] momentumBuffer, int len,
             float lr, float momentum, float dampening, float weightDecay, boolean nesterov, boolean firstStep) {
        this.params = params;
        this.grads = grads;
        this.momentumBuffer = momentumBuffer;
        this.lr = lr;
        this.momentum = momentum;
        keep = 1f - dampening;
        this.weightDecay = weightDecay;
        this.nesterov = nesterov;
        this.firstStep = firstStep;
        dispatch(team, Op.SGD, len, false);
    }

    void adam(ThreadTeam team, float[] params, float[] grads, float[] expAvg, float[] expAvgSq,
              float[] maxExpAvgSq, int len, double lr, double beta1, double beta2, double eps,
              double weightDecay, boolean decoupled, double stepSize, double bc2Sqrt) {
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
        dispatch(team, Op.ADAM, len, false);
    }

    private static boolean isTranscendental(Activation f) {
        switch (f.kind()) {
            case IDENTITY:
            case RELU:
            case LEAKY_RELU:
                return false;
            default:
                return true;
        }
    }

    @Override
    public void run(int part, int parts) {
        int from = ThreadTeam.split(len, parts, part, ALIGN);
        int to = ThreadTeam.split(len, parts, part + 1, ALIGN);
        switch (op) {
            case ACTIVATION_FORWARD:
                activationForwardRange(activation, pre, post, from, to);
                break;
            case ACTIVATION_BACKWARD:
                activationBackwardRange(activation, pre, post, grad, from, to);
                break;
            case DROPOUT:
                dropoutRange(values, mask, scale, from, to);
                break;
            case SGD:
                sgdRange(from, to);
                break;
            case ADAM:
                adamRange(from, to);
                break;
            default:
                throw new AssertionError(op);
        }
    }

    private static void activationForwardRange(Activation f, float[] z, float[] a, int from, int to) {
        activationForward(f, z, from, a, from, to - from);
    }

    /**
     * {@code a[aAt + i] = f(z[zAt + i])} for {@code i < count}, as {@link Activation#apply}; {@code a} may
     * be {@code z} at the same offset. Also the GEMM epilogue of fused Linear layers.
     */
    static void activationForward(Activation f, float[] z, int zAt, float[] a, int aAt, int count) {
        int i = 0;
        int bound = F.loopBound(count);
        switch (f.kind()) {
            case IDENTITY:
                if (a != z || aAt != zAt) {
                    System.arraycopy(z, zAt, a, aAt, count);
                }
                return;
            case RELU: {
                FloatVector zero = FloatVector.zero(F);
                for (; i < bound; i += VLEN) {
                    FloatVector v = FloatVector.fromArray(F, z, zAt + i);
                    zero.blend(v, v.compare(VectorOperators.GT, 0f)).intoArray(a, aAt + i);
                }
                break;
            }
            case LEAKY_RELU: {
                float slope = f.negativeSlope();
                for (; i < bound; i += VLEN) {
                    FloatVector v = FloatVector.fromArray(F, z, zAt + i);
                    v.mul(slope).blend(v, v.compare(VectorOperators.GT, 0f)).intoArray(a, aAt + i);
                }
                break;
            }
            default:
                break;
        }
        for (; i < count; i++) {
            a[aAt + i] = f.apply(z[zAt + i]);
        }
    }

    private static void activationBackwardRange(Activation f, float[] z, float[] a, float[] grad,
                                                int from, int to) {
        int i = from;
        int bound = from + F.loopBound(to - from);
        switch (f.kind()) {
            case IDENTITY:
                return;
            case RELU:
            case LEAKY_RELU: {
                FloatVector below = FloatVector.broadcast(F, f.kind() == Activation.Kind.RELU ? 0f : f.negativeSlope());
                FloatVector one = FloatVector.broadcast(F, 1f);
                for (; i < bound; i += VLEN) {
                    FloatVector v = FloatVector.fromArray(F, z, i);
                    FloatVector d = below.blend(one, v.compare(VectorOperators.GT, 0f));
                    FloatVector.fromArray(F, grad, i).mul(d).intoArray(grad, i);
                }
                break;
            }
            case TANH: {
                FloatVector one = FloatVector.broadcast(F, 1f);
                for (; i < bound; i += VLEN) {
                    FloatVector t = FloatVector.fromArray(F, a, i);
                    FloatVector.fromArray(F, grad, i).mul(one.sub(t.mul(t))).intoArray(grad, i);
                }
                break;
            }
            case SIGMOID: {
                FloatVector one = FloatVector.broadcast(F, 1f);
                for (; i < bound; i += VLEN) {
                    FloatVector s = FloatVector.fromArray(F, a, i);
                    FloatVector.fromArray(F, grad, i).mul(s.mul(one.sub(s))).intoArray(grad, i);
                }
                break;
            }
            default:
                break;
        }
        for (; i < to; i++) {
            grad[i] *= f.derivative(z[i], a[i]);
        }
    }

    private static void dropoutRange(float[] x, byte[] mask, float scale, int from, int to) {
        int i = from;
        int bound = from + F.loopBound(to - from);
        FloatVector zero = FloatVector.zero(F);
        for (; i < bound; i += VLEN) {
            FloatVector keep = (FloatVector) ByteVector.fromArray(B, mask, i)
                    .convertShape(VectorOperators.B2F, F, 0);
            VectorMask<Float> kept = keep.compare(VectorOperators.NE, 0f);
            zero.blend(FloatVector.fromArray(F, x, i).mul(scale), kept).intoArray(x, i);
        }
        for (; i < to; i++) {
            x[i] = mask[i] != 0 ? x[i] * scale : 0f;
        }
    }

    private void sgdRange(int from, int to) {
        // Fields in locals, so the JIT keeps them in registers across the loop.
        float[] params = this.params, grads = this.grads, buffer = momentumBuffer;
        float lr = this.lr, momentum = this.momentum, keep = this.keep, weightDecay = this.weightDecay;
        boolean nesterov = this.nesterov, firstStep = this.firstStep;
        boolean decay = weightDecay != 0f, withMomentum = momentum != 0f;
        int i = from;
        int bound = from + F.loopBound(to - from);
        for (; i < bound; i += VLEN) {
            FloatVector p = FloatVector.fromArray(F, params, i);
            FloatVector g = FloatVector.fromArray(F, grads, i);
            if (decay) {
                g = g.add(p.mul(weightDecay));
            }
            if (withMomentum) {
                FloatVector b = firstStep ? g
                        : FloatVector.fromArray(F, buffer, i).mul(momentum).add(g.mul(keep));
                b.intoArray(buffer, i);
                g = nesterov ? g.add(b.mul(momentum)) : b;
            }
            p.sub(g.mul(lr)).intoArray(params, i);
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

    private void adamRange(int from, int to) {
        float[] params = this.params, grads = this.grads, expAvg = this.expAvg, expAvgSq = this.expAvgSq,
                maxExpAvgSq = this.maxExpAvgSq;
        float b1 = beta1, oneMinusB1 = oneMinusBeta1, b2 = beta2, oneMinusB2 = oneMinusBeta2, wd = weightDecay,
                shrink = this.shrink, eps = this.eps, negStep = negStepSize, bc2Sqrt = this.bc2Sqrt;
        boolean decay = this.decay, decoupled = this.decoupled, amsgrad = maxExpAvgSq != null;
        int i = from;
        int bound = from + F.loopBound(to - from);
        for (; i < bound; i += VLEN) {
            FloatVector p = FloatVector.fromArray(F, params, i);
            FloatVector g = FloatVector.fromArray(F, grads, i);
            if (decay) {
                if (decoupled) {
                    p = p.mul(shrink);
                } else {
                    g = g.add(p.mul(wd));
                }
            }
            FloatVector m = FloatVector.fromArray(F, expAvg, i).mul(b1).add(g.mul(oneMinusB1));
            FloatVector v = FloatVector.fromArray(F, expAvgSq, i).mul(b2).add(g.mul(oneMinusB2).mul(g));
            m.intoArray(expAvg, i);
            v.intoArray(expAvgSq, i);
            if (amsgrad) {
                v = FloatVector.fromArray(F, maxExpAvgSq, i).max(v);
                v.intoArray(maxExpAvgSq, i);
            }
            // A float square root is correctly rounded, hence equal to (float) Math.sqrt(v).
            FloatVector denom = v.sqrt().div(bc2Sqrt).add(eps);
            p.add(m.div(denom).mul(negStep)).intoArray(params, i);
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
}
