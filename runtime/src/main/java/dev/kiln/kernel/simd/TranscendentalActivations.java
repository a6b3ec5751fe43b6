package dev.kiln.kernel.simd;

import static dev.kiln.kernel.FloatMath.CDF_CLAMP;
import static dev.kiln.kernel.FloatMath.ERFC_C0;
import static dev.kiln.kernel.FloatMath.ERFC_C1;
import static dev.kiln.kernel.FloatMath.ERFC_C2;
import static dev.kiln.kernel.FloatMath.ERFC_C3;
import static dev.kiln.kernel.FloatMath.ERFC_C4;
import static dev.kiln.kernel.FloatMath.ERFC_C5;
import static dev.kiln.kernel.FloatMath.ERFC_C6;
import static dev.kiln.kernel.FloatMath.ERFC_C7;
import static dev.kiln.kernel.FloatMath.ERFC_C8;
import static dev.kiln.kernel.FloatMath.ERFC_C9;
import static dev.kiln.kernel.FloatMath.EXP_C1;
import static dev.kiln.kernel.FloatMath.EXP_C2;
import static dev.kiln.kernel.FloatMath.EXP_C3;
import static dev.kiln.kernel.FloatMath.EXP_C4;
import static dev.kiln.kernel.FloatMath.EXP_C5;
import static dev.kiln.kernel.FloatMath.EXP_C6;
import static dev.kiln.kernel.FloatMath.EXP_MAX;
import static dev.kiln.kernel.FloatMath.EXP_MIN;
import static dev.kiln.kernel.FloatMath.FLOAT_EXPONENT_BIAS;
import static dev.kiln.kernel.FloatMath.FLOAT_MANTISSA_BITS;
import static dev.kiln.kernel.FloatMath.HALF_INV_SQRT2;
import static dev.kiln.kernel.FloatMath.INV_SQRT_2PI;
import static dev.kiln.kernel.FloatMath.LN2_HI;
import static dev.kiln.kernel.FloatMath.LN2_LO;
import static dev.kiln.kernel.FloatMath.LOG2E;
import static dev.kiln.kernel.FloatMath.ROUNDING_SHIFT;
import static dev.kiln.kernel.FloatMath.ROUNDING_SHIFT_BITS;
import static dev.kiln.kernel.FloatMath.SIGN_BIT;
import static dev.kiln.kernel.FloatMath.TANH_C0;
import static dev.kiln.kernel.FloatMath.TANH_C1;
import static dev.kiln.kernel.FloatMath.TANH_C2;
import static dev.kiln.kernel.FloatMath.TANH_C3;
import static dev.kiln.kernel.FloatMath.TANH_C4;
import static dev.kiln.kernel.FloatMath.TANH_POLY_LIMIT;
import static dev.kiln.kernel.simd.VectorKernels.SPECIES;

import dev.kiln.kernel.Activation;
import dev.kiln.kernel.FloatMath;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Tanh, Sigmoid, SiLU and GELU (both forms), forward and backward, with {@link FloatMath}'s float
 * formulas lane by lane: every lane does the scalar function's operations in its order, so results
 * equal {@link Activation#apply} and {@link Activation#derivative} bit for bit.
 *
 * <p>Each function runs as a plan of {@link Stage}s over blocks of {@link #BLOCK} values, which pass
 * intermediate values through a small scratch array (in L1) rather than as vectors: the argument of an
 * exponential, then {@link #exp} (the one copy of it), then the rest. Why: C2 keeps a vector in a
 * register only when every method it passes through is inlined into one compilation, and on JDK 17 a
 * compilation that grows past C2's node budget silently stops inlining, boxing a vector per
 * operation. Stages keep every compilation to a single loop: no vector crosses a method boundary, and
 * the driver reaches the stages through one call site that sees at least three stage classes, which C2
 * never inlines (so they never merge into one big compilation either). Each stage method is a single
 * loop over {@code n} values, a multiple of the vector length; the driver finishes the tail with the
 * scalar formulas.
 */
final class TranscendentalActivations {
    private static final VectorSpecies<Float> F = SPECIES;
    /**
     * Int lanes of the same shape, for the bit operations: reinterpreting to a constant species rather
     * than one looked up at run time ({@code reinterpretAsInts()}) leaves C2 nothing to fold first.
     */
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    private static final int VLEN = F.length();
    /** Values per block. */
    static final int BLOCK = 256;
    // Scratch slots: the exponential's argument (HI + LO) and result (E), and two more.
    private static final int HI = 0, LO = BLOCK, E = 2 * BLOCK, T = 3 * BLOCK, U = 4 * BLOCK, SLOTS = 5;
    /** Scratch length for {@link #forward} and {@link #backward}. */
    static final int SCRATCH = SLOTS * BLOCK;

    private TranscendentalActivations() {}

    /**
     * One loop over a block: reads the input {@code z} from {@code zAt} and the scratch {@code s}, writes
     * the scratch or the output {@code out} from {@code outAt} (the activation, or the gradient it scales).
     */
    private enum Stage {
        NEGATED_ARGUMENT {
            @Override
            void run(float[] z, int zAt, float[] s, float[] out, int outAt, int n) {
                negatedArgument(z, zAt, s, n);
            }
        },
        EXP {
            @Override
            void run(float[] z, int zAt, float[] s, float[] out, int outAt, int n) {
                exp(s, HI, s, LO, s, E, n);
            }
        },
        TANH_ARGUMENT {
            @Override
            void run(float[] z, int zAt, float[] s, float[] out, int outAt, int n) {
                tanhArgument(z, zAt, s, n);
            }
        },
        TANH_FINISH {
            @Override
            void run(float[] z, int zAt, float[] s, float[] out, int outAt, int n) {
                tanhFinish(z, zAt, s, out, outAt, n);
            }
        },
        SIGMOID_FINISH {
            @Override
            void run(float[] z, int zAt, float[] s, float[] out, int outAt, int n) {
                sigmoidFinish(s, out, outAt, n);
            }
        },
        SILU_FINISH {
            @Override
            void run(float[] z, int zAt, float[] s, float[] out, int outAt, int n) {
                siluFinish(z, zAt, s, out, outAt, n);
            }
        },
        SILU_BACKWARD_FINISH {
            @Override
            void run(float[] z, int zAt, float[] s, float[] out, int outAt, int n) {
                siluBackwardFinish(z, zAt, s, out, n);
            }
        },
        CDF_ARGUMENT {
            @Override
            void run(float[] z, int zAt, float[] s, float[] out, int outAt, int n) {
                normalCdfArgument(z, zAt, s, n);
            }
        },
        CDF_FINISH {
            @Override
            void run(float[] z, int zAt, float[] s, float[] out, int outAt, int n) {
                normalCdfFinish(z, zAt, s, n);
            }
        },
        PDF_ARGUMENT {
            @Override
            void run(float[] z, int zAt, float[] s, float[] out, int outAt, int n) {
                normalPdfArgument(z, zAt, s, n);
            }
        },
        GELU_FINISH {
            @Override
            void run(float[] z, int zAt, float[] s, float[] out, int outAt, int n) {
                geluFinish(z, zAt, s, out, outAt, n);
            }
        },
        GELU_BACKWARD_FINISH {
            @Override
            void run(float[] z, int zAt, float[] s, float[] out, int outAt, int n) {
                geluBackwardFinish(z, zAt, s, out, n);
            }
        },
        GELU_TANH_INNER {
            @Override
            void run(float[] z, int zAt, float[] s, float[] out, int outAt, int n) {
                geluTanhInner(z, zAt, s, n);
            }
        },
        INNER_TANH_ARGUMENT {
            @Override
            void run(float[] z, int zAt, float[] s, float[] out, int outAt, int n) {
                tanhArgument(s, U, s, n);
            }
        },
        INNER_TANH_FINISH {
            @Override
            void run(float[] z, int zAt, float[] s, float[] out, int outAt, int n) {
                tanhFinish(s, U, s, s, T, n);
            }
        },
        GELU_TANH_FINISH {
            @Override
            void run(float[] z, int zAt, float[] s, float[] out, int outAt, int n) {
                geluTanhFinish(z, zAt, s, out, outAt, n);
            }
        },
        GELU_TANH_BACKWARD_FINISH {
            @Override
            void run(float[] z, int zAt, float[] s, float[] out, int outAt, int n) {
                geluTanhBackwardFinish(z, zAt, s, out, n);
            }
        };

        abstract void run(float[] z, int zAt, float[] s, float[] out, int outAt, int n);
    }

    // The plans: exponential's argument, exponential, result.
    private static final Stage[] TANH = {Stage.TANH_ARGUMENT, Stage.EXP, Stage.TANH_FINISH};
    private static final Stage[] SIGMOID = {Stage.NEGATED_ARGUMENT, Stage.EXP, Stage.SIGMOID_FINISH};
    private static final Stage[] SILU = {Stage.NEGATED_ARGUMENT, Stage.EXP, Stage.SILU_FINISH};
    private static final Stage[] SILU_BACKWARD = {Stage.NEGATED_ARGUMENT, Stage.EXP, Stage.SILU_BACKWARD_FINISH};
    private static final Stage[] GELU = {Stage.CDF_ARGUMENT, Stage.EXP, Stage.CDF_FINISH, Stage.GELU_FINISH};
    private static final Stage[] GELU_BACKWARD = {Stage.CDF_ARGUMENT, Stage.EXP, Stage.CDF_FINISH,
        Stage.PDF_ARGUMENT, Stage.EXP, Stage.GELU_BACKWARD_FINISH};
    private static final Stage[] GELU_TANH = {Stage.GELU_TANH_INNER, Stage.INNER_TANH_ARGUMENT, Stage.EXP,
        Stage.INNER_TANH_FINISH, Stage.GELU_TANH_FINISH};
    private static final Stage[] GELU_TANH_BACKWARD = {Stage.GELU_TANH_INNER, Stage.INNER_TANH_ARGUMENT, Stage.EXP,
        Stage.INNER_TANH_FINISH, Stage.GELU_TANH_BACKWARD_FINISH};

    /** {@code a[aAt + i] = f(z[zAt + i])} for {@code i < count}; {@code a} may be {@code z} at the same offset. */
    static void forward(Activation f, float[] z, int zAt, float[] a, int aAt, int count, float[] s) {
        Stage[] plan = switch (f.kind()) {
            case TANH -> TANH;
            case SIGMOID -> SIGMOID;
            case SILU -> SILU;
            case GELU -> GELU;
            case GELU_TANH -> GELU_TANH;
            default -> throw new IllegalArgumentException("not a transcendental activation: " + f);
        };
        int vectorCount = F.loopBound(count);
        runBlocks(plan, z, zAt, s, a, aAt, vectorCount);
        for (int i = vectorCount; i < count; i++) {
            a[aAt + i] = f.apply(z[zAt + i]);
        }
    }

    /**
     * {@code grad[i] *= f'(z[i])} for {@code i} in {@code [from, to)}, given {@code a = f(z)}, for the
     * activations whose derivative needs a transcendental function: GELU (both forms) and SiLU.
     */
    static void backward(Activation f, float[] z, float[] a, float[] grad, int from, int to, float[] s) {
        Stage[] plan = switch (f.kind()) {
            case SILU -> SILU_BACKWARD;
            case GELU -> GELU_BACKWARD;
            case GELU_TANH -> GELU_TANH_BACKWARD;
            default -> throw new IllegalArgumentException("derivative needs no transcendental function: " + f);
        };
        int vectorEnd = from + F.loopBound(to - from);
        runBlocks(plan, z, from, s, grad, from, vectorEnd - from);
        for (int i = vectorEnd; i < to; i++) {
            grad[i] *= f.derivative(z[i], a[i]);
        }
    }

    /** Runs {@code plan} over {@code count} values (a multiple of the vector length), a block at a time. */
    private static void runBlocks(Stage[] plan, float[] z, int zAt, float[] s, float[] out, int outAt, int count) {
        for (int start = 0; start < count; start += BLOCK) {
            int n = Math.min(BLOCK, count - start);
            for (Stage stage : plan) {
                stage.run(z, zAt + start, s, out, outAt + start, n);
            }
        }
    }

    // ---- the exponential ------------------------------------------------------------------------

    /**
     * {@code out[i] = e^(hi[i] + lo[i])} for {@code i} in {@code [off, off + len)}, as
     * {@link FloatMath#exp(float, float)}.
     */
    static void exp(float[] hi, float[] lo, float[] out, int off, int len) {
        int vectorEnd = off + F.loopBound(len);
        // A block per call, as the stages do. A loss calls this once per step, and a method called that
        // rarely stays in C1, where every vector is an object, for hundreds of steps: C2 compiles a method
        // after some 600 calls however long its loop (seen: a large MLP's loss allocated 670 KB a step for
        // the first 20 s, its 160-vector exp loop still in C1).
        for (int at = off; at < vectorEnd; at += BLOCK) {
            exp(hi, at, lo, at, out, at, Math.min(BLOCK, vectorEnd - at));
        }
        for (int i = vectorEnd; i < off + len; i++) {
            out[i] = FloatMath.exp(hi[i], lo[i]);
        }
    }

    /**
     * {@code out[outAt + i] = exp(hi[hiAt + i], lo[loAt + i])} for {@code i < n}:
     * {@link FloatMath#exp(float, float)}.
     */
    private static void exp(float[] hi, int hiAt, float[] lo, int loAt, float[] out, int outAt, int n) {
        FloatVector c6 = FloatVector.broadcast(F, EXP_C6), c5 = FloatVector.broadcast(F, EXP_C5),
                c4 = FloatVector.broadcast(F, EXP_C4), c3 = FloatVector.broadcast(F, EXP_C3),
                c2 = FloatVector.broadcast(F, EXP_C2), c1 = FloatVector.broadcast(F, EXP_C1),
                ln2Hi = FloatVector.broadcast(F, -LN2_HI), ln2Lo = FloatVector.broadcast(F, -LN2_LO),
                min = FloatVector.broadcast(F, EXP_MIN), max = FloatVector.broadcast(F, EXP_MAX),
                log2e = FloatVector.broadcast(F, LOG2E), shift = FloatVector.broadcast(F, ROUNDING_SHIFT),
                one = FloatVector.broadcast(F, 1f);
        IntVector shiftBits = IntVector.broadcast(I, ROUNDING_SHIFT_BITS), bias = IntVector.broadcast(I, FLOAT_EXPONENT_BIAS);
        for (int i = 0; i < n; i += VLEN) {
            FloatVector x = FloatVector.fromArray(F, hi, hiAt + i).max(min).min(max);
            FloatVector shifted = x.fma(log2e, shift);
            FloatVector k = shifted.sub(shift);
            FloatVector r = k.fma(ln2Hi, x);
            r = k.fma(ln2Lo, r).add(FloatVector.fromArray(F, lo, loAt + i));
            FloatVector p = c6.fma(r, c5).fma(r, c4).fma(r, c3).fma(r, c2).fma(r, c1);
            FloatVector er = p.fma(r.mul(r), r).add(one);
            // 2^k as two normal powers of two, so that subnormal results round once.
            IntVector ki = ((IntVector) shifted.reinterpretShape(I, 0)).sub(shiftBits);
            IntVector half = ki.lanewise(VectorOperators.ASHR, 1);
            FloatVector scale1 = (FloatVector) half.add(bias)
                    .lanewise(VectorOperators.LSHL, FLOAT_MANTISSA_BITS).reinterpretShape(F, 0);
            FloatVector scale2 = (FloatVector) ki.sub(half).add(bias)
                    .lanewise(VectorOperators.LSHL, FLOAT_MANTISSA_BITS).reinterpretShape(F, 0);
            er.mul(scale1).mul(scale2).intoArray(out, outAt + i);
        }
    }

    /** {@code HI = -x, LO = 0}: the argument of {@code e^-x}, for Sigmoid and SiLU. */
    private static void negatedArgument(float[] z, int x, float[] s, int n) {
        FloatVector zero = FloatVector.zero(F);
        for (int i = 0; i < n; i += VLEN) {
            FloatVector.fromArray(F, z, x + i).neg().intoArray(s, HI + i);
            zero.intoArray(s, LO + i);
        }
    }

    // ---- tanh -----------------------------------------------------------------------------------

    /** {@code HI = 2|u|, LO = 0}: the argument of {@link FloatMath#tanh}'s exponential. */
    private static void tanhArgument(float[] u, int uAt, float[] s, int n) {
        FloatVector zero = FloatVector.zero(F);
        for (int i = 0; i < n; i += VLEN) {
            FloatVector a = FloatVector.fromArray(F, u, uAt + i).abs();
            a.add(a).intoArray(s, HI + i);
            zero.intoArray(s, LO + i);
        }
    }

    /** {@code out = tanh(u)} from its exponential in {@code E}: {@link FloatMath#tanh}. */
    private static void tanhFinish(float[] u, int uAt, float[] s, float[] out, int outAt, int n) {
        FloatVector c4 = FloatVector.broadcast(F, TANH_C4), c3 = FloatVector.broadcast(F, TANH_C3),
                c2 = FloatVector.broadcast(F, TANH_C2), c1 = FloatVector.broadcast(F, TANH_C1),
                c0 = FloatVector.broadcast(F, TANH_C0), one = FloatVector.broadcast(F, 1f),
                two = FloatVector.broadcast(F, 2f), polyLimit = FloatVector.broadcast(F, TANH_POLY_LIMIT);
        IntVector signBit = IntVector.broadcast(I, SIGN_BIT);
        for (int i = 0; i < n; i += VLEN) {
            FloatVector x = FloatVector.fromArray(F, u, uAt + i);
            FloatVector a = x.abs();
            FloatVector a2 = a.mul(a);
            FloatVector p = c4.fma(a2, c3).fma(a2, c2).fma(a2, c1).fma(a2, c0);
            FloatVector small = p.mul(a2).fma(a, a);
            FloatVector large = one.sub(two.div(FloatVector.fromArray(F, s, E + i).add(one)));
            FloatVector t = large.blend(small, a.compare(VectorOperators.LT, polyLimit));
            IntVector sign = ((IntVector) x.reinterpretShape(I, 0)).and(signBit);
            FloatVector signed = (FloatVector) ((IntVector) t.reinterpretShape(I, 0)).or(sign).reinterpretShape(F, 0);
            signed.intoArray(out, outAt + i);
        }
    }

    // ---- sigmoid and SiLU, from e^-x in E -------------------------------------------------------

    /** {@code out = 1 / (1 + e^-x)}. */
    private static void sigmoidFinish(float[] s, float[] out, int outAt, int n) {
        FloatVector one = FloatVector.broadcast(F, 1f);
        for (int i = 0; i < n; i += VLEN) {
            one.div(FloatVector.fromArray(F, s, E + i).add(one)).intoArray(out, outAt + i);
        }
    }

    /** {@code out = x / (1 + e^-x)}. */
    private static void siluFinish(float[] z, int x, float[] s, float[] out, int outAt, int n) {
        FloatVector one = FloatVector.broadcast(F, 1f);
        for (int i = 0; i < n; i += VLEN) {
            FloatVector.fromArray(F, z, x + i).div(FloatVector.fromArray(F, s, E + i).add(one))
                    .intoArray(out, outAt + i);
        }
    }

    /** {@code grad *= σ(1 + x(1 - σ))}, {@code σ = 1 / (1 + e^-x)}. */
    private static void siluBackwardFinish(float[] z, int x, float[] s, float[] grad, int n) {
        FloatVector one = FloatVector.broadcast(F, 1f);
        for (int i = 0; i < n; i += VLEN) {
            FloatVector sigma = one.div(FloatVector.fromArray(F, s, E + i).add(one));
            FloatVector d = FloatVector.fromArray(F, z, x + i).mul(one.sub(sigma)).add(one).mul(sigma);
            FloatVector.fromArray(F, grad, x + i).mul(d).intoArray(grad, x + i);
        }
    }

    // ---- exact GELU -----------------------------------------------------------------------------

    /** {@code T = t = 1/(1 + |x|/(2√2))} and {@code HI + LO = -x²/2 + P(t)}. */
    private static void normalCdfArgument(float[] z, int x, float[] s, int n) {
        FloatVector c9 = FloatVector.broadcast(F, ERFC_C9), c8 = FloatVector.broadcast(F, ERFC_C8),
                c7 = FloatVector.broadcast(F, ERFC_C7), c6 = FloatVector.broadcast(F, ERFC_C6),
                c5 = FloatVector.broadcast(F, ERFC_C5), c4 = FloatVector.broadcast(F, ERFC_C4),
                c3 = FloatVector.broadcast(F, ERFC_C3), c2 = FloatVector.broadcast(F, ERFC_C2),
                c1 = FloatVector.broadcast(F, ERFC_C1), c0 = FloatVector.broadcast(F, ERFC_C0),
                one = FloatVector.broadcast(F, 1f), minusHalf = FloatVector.broadcast(F, -0.5f),
                clamp = FloatVector.broadcast(F, CDF_CLAMP), halfInvSqrt2 = FloatVector.broadcast(F, HALF_INV_SQRT2);
        for (int i = 0; i < n; i += VLEN) {
            FloatVector a = FloatVector.fromArray(F, z, x + i).abs().min(clamp);
            FloatVector t = one.div(a.fma(halfInvSqrt2, one));
            FloatVector p = c9.fma(t, c8).fma(t, c7).fma(t, c6).fma(t, c5).fma(t, c4).fma(t, c3).fma(t, c2)
                    .fma(t, c1).fma(t, c0);
            FloatVector sq = a.mul(a);
            FloatVector sqError = a.fma(a, sq.neg());
            FloatVector m = sq.mul(minusHalf);
            FloatVector hi = m.add(p);
            t.intoArray(s, T + i);
            hi.intoArray(s, HI + i);
            sqError.fma(minusHalf, m.sub(hi).add(p)).intoArray(s, LO + i);
        }
    }

    /** {@code U = Φ(x)} from {@code T} and the exponential in {@code E}. */
    private static void normalCdfFinish(float[] z, int x, float[] s, int n) {
        FloatVector one = FloatVector.broadcast(F, 1f), zero = FloatVector.zero(F), halfV = FloatVector.broadcast(F, 0.5f);
        for (int i = 0; i < n; i += VLEN) {
            FloatVector half = FloatVector.fromArray(F, s, T + i).mul(FloatVector.fromArray(F, s, E + i)).mul(halfV);
            one.sub(half).blend(half, FloatVector.fromArray(F, z, x + i).compare(VectorOperators.LT, zero))
                    .intoArray(s, U + i);
        }
    }

    /** {@code HI + LO = -x²/2}: the argument of φ(x)'s exponential ({@link FloatMath#normalPdf}). */
    private static void normalPdfArgument(float[] z, int x, float[] s, int n) {
        FloatVector clamp = FloatVector.broadcast(F, CDF_CLAMP), minusHalf = FloatVector.broadcast(F, -0.5f);
        for (int i = 0; i < n; i += VLEN) {
            FloatVector a = FloatVector.fromArray(F, z, x + i).abs().min(clamp);
            FloatVector sq = a.mul(a);
            sq.mul(minusHalf).intoArray(s, HI + i);
            a.fma(a, sq.neg()).mul(minusHalf).intoArray(s, LO + i);
        }
    }

    /** {@code out = x·Φ(x)}, Φ in {@code U}. */
    private static void geluFinish(float[] z, int x, float[] s, float[] out, int outAt, int n) {
        for (int i = 0; i < n; i += VLEN) {
            FloatVector.fromArray(F, z, x + i).mul(FloatVector.fromArray(F, s, U + i)).intoArray(out, outAt + i);
        }
    }

    /** {@code grad *= Φ(x) + x·φ(x)}, Φ in {@code U} and φ's exponential in {@code E}. */
    private static void geluBackwardFinish(float[] z, int x, float[] s, float[] grad, int n) {
        FloatVector invSqrt2Pi = FloatVector.broadcast(F, INV_SQRT_2PI);
        for (int i = 0; i < n; i += VLEN) {
            FloatVector pdf = FloatVector.fromArray(F, s, E + i).mul(invSqrt2Pi);
            FloatVector d = FloatVector.fromArray(F, s, U + i).add(FloatVector.fromArray(F, z, x + i).mul(pdf));
            FloatVector.fromArray(F, grad, x + i).mul(d).intoArray(grad, x + i);
        }
    }

    // ---- tanh GELU ------------------------------------------------------------------------------

    /** {@code U = β(x + κx³)}, the argument of tanh-GELU's tanh. */
    private static void geluTanhInner(float[] z, int x, float[] s, int n) {
        FloatVector kappa = FloatVector.broadcast(F, Activation.GELU_KAPPA), beta = FloatVector.broadcast(F, Activation.GELU_BETA);
        for (int i = 0; i < n; i += VLEN) {
            FloatVector v = FloatVector.fromArray(F, z, x + i);
            v.mul(v).mul(v).mul(kappa).add(v).mul(beta).intoArray(s, U + i);
        }
    }

    /** {@code out = x/2 · (1 + t)}, t in {@code T}. */
    private static void geluTanhFinish(float[] z, int x, float[] s, float[] out, int outAt, int n) {
        FloatVector half = FloatVector.broadcast(F, 0.5f), one = FloatVector.broadcast(F, 1f);
        for (int i = 0; i < n; i += VLEN) {
            FloatVector.fromArray(F, z, x + i).mul(half).mul(FloatVector.fromArray(F, s, T + i).add(one))
                    .intoArray(out, outAt + i);
        }
    }

    /**
     * {@code grad *= (1 + t)/2 + x/2 · (1 - t²) · β(1 + 3κx²)}, t in {@code T}, as
     * {@link Activation#derivative}.
     */
    private static void geluTanhBackwardFinish(float[] z, int x, float[] s, float[] grad, int n) {
        FloatVector one = FloatVector.broadcast(F, 1f), half = FloatVector.broadcast(F, 0.5f),
                threeKappa = FloatVector.broadcast(F, Activation.GELU_THREE_KAPPA),
                beta = FloatVector.broadcast(F, Activation.GELU_BETA);
        for (int i = 0; i < n; i += VLEN) {
            FloatVector v = FloatVector.fromArray(F, z, x + i);
            FloatVector t = FloatVector.fromArray(F, s, T + i);
            FloatVector innerDerivative = v.mul(v).mul(threeKappa).add(one).mul(beta);
            FloatVector d = t.add(one).mul(half).add(v.mul(half).mul(one.sub(t.mul(t))).mul(innerDerivative));
            FloatVector.fromArray(F, grad, x + i).mul(d).intoArray(grad, x + i);
        }
    }
}
