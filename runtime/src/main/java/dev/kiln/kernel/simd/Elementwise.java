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

    private Op op;
    private int len;
    private Activation activation;
    private float[] x, y, z, w, u;
    private byte[] mask;
    private float f1, f2, f3, f4, f5, f6, f7, f8, f9;
    private boolean flag1, flag2;

    private void dispatch(ThreadTeam team, Op op, int len, boolean costly) {
        this.op = op;
        this.len = len;
        int parts = Math.max(1, Math.min(team.size(), len / (costly ? COSTLY_PART : CHEAP_PART)));
        try {
            team.run(parts, this);
        } finally {
            x = y = z = w = u = null;
            mask = null;
            activation = null;
        }
    }

    void activationForward(ThreadTeam team, Activation f, float[] z, float[] a, int len) {
        activation = f;
        this.z = z;
        this.y = a;
        dispatch(team, Op.ACTIVATION_FORWARD, len, isTranscendental(f));
    }

    void activationBackward(ThreadTeam team, Activation f, float[] z, float[] a, float[] grad, int len) {
        activation = f;
        this.z = z;
        this.y = a;
        this.x = grad;
        dispatch(team, Op.ACTIVATION_BACKWARD, len, isTranscendental(f));
    }

    void dropout(ThreadTeam team, float[] x, byte[] mask, float scale, int len) {
        this.x = x;
        this.mask = mask;
        this.f1 = scale;
        dispatch(team, Op.DROPOUT, len, false);
    }

    void sgd(ThreadTeam team, float[] params, float[] grads, float[] momentumBuffer, int len,
             float lr, float momentum, float dampening, float weightDecay, boolean nesterov, boolean firstStep) {
        x = params;
        y = grads;
        z = momentumBuffer;
        f1 = lr;
        f2 = momentum;
        f3 = 1f - dampening;
        f4 = weightDecay;
        flag1 = nesterov;
        flag2 = firstStep;
        dispatch(team, Op.SGD, len, false);
    }

    void adam(ThreadTeam team, float[] params, float[] grads, float[] expAvg, float[] expAvgSq,
              float[] maxExpAvgSq, int len, double lr, double beta1, double beta2, double eps,
              double weightDecay, boolean decoupled, double stepSize, double bc2Sqrt) {
        x = params;
        y = grads;
        z = expAvg;
        w = expAvgSq;
        u = maxExpAvgSq;
        // The float constants of ScalarKernels.adamUpdate, rounded the same way.
        f1 = (float) beta1;
        f2 = (float) (1 - beta1);
        f3 = (float) beta2;
        f4 = (float) (1 - beta2);
        f5 = (float) weightDecay;
        f6 = (float) (1 - lr * weightDecay);
        f7 = (float) eps;
        f8 = (float) -stepSize;
        flag1 = weightDecay != 0;
        flag2 = decoupled;
        f9 = (float) bc2Sqrt;
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
                activationForwardRange(activation, z, y, from, to);
                break;
            case ACTIVATION_BACKWARD:
                activationBackwardRange(activation, z, y, x, from, to);
                break;
            case DROPOUT:
                dropoutRange(x, mask, f1, from, to);
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
        int i = from;
        int bound = from + F.loopBound(to - from);
        switch (f.kind()) {
            case IDENTITY:
                if (a != z) {
                    System.arraycopy(z, from, a, from, to - from);
                }
                return;
            case RELU: {
                FloatVector zero = FloatVector.zero(F);
                for (; i < bound; i += VLEN) {
                    FloatVector v = FloatVector.fromArray(F, z, i);
                    zero.blend(v, v.compare(VectorOperators.GT, 0f)).intoArray(a, i);
                }
                break;
            }
            case LEAKY_RELU: {
                float slope = f.negativeSlope();
                for (; i < bound; i += VLEN) {
                    FloatVector v = FloatVector.fromArray(F, z, i);
                    v.mul(slope).blend(v, v.compare(VectorOperators.GT, 0f)).intoArray(a, i);
                }
                break;
            }
            default:
                break;
        }
        for (; i < to; i++) {
            a[i] = f.apply(z[i]);
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
        float[] params = x, grads = y, buffer = z;
        float lr = f1, momentum = f2, keep = f3, weightDecay = f4;
        boolean nesterov = flag1, firstStep = flag2;
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
        float[] params = x, grads = y, expAvg = z, expAvgSq = w, maxExpAvgSq = u;
        float b1 = f1, oneMinusB1 = f2, b2 = f3, oneMinusB2 = f4, wd = f5, shrink = f6, eps = f7,
                negStep = f8, bc2Sqrt = f9;
        boolean decay = flag1, decoupled = flag2, amsgrad = maxExpAvgSq != null;
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
