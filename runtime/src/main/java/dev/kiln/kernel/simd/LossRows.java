package dev.kiln.kernel.simd;

import dev.kiln.kernel.ScalarKernels;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The loss's row kernels ({@link dev.kiln.kernel.Kernels#rowMax} and the rest), bit for bit those of
 * {@link ScalarKernels}: the maximum is exact in any order, the differences and gradients are per value,
 * and the double sums keep the scalar kernels' sixteen lanes as two vectors of eight doubles, the two
 * halves of a vector of sixteen floats widened. That needs 512-bit vectors; with narrower ones the sums
 * run the scalar kernels. A row of ten classes is all tail: it costs what the scalar loop does.
 *
 * <p>Two rules beyond {@link Elementwise}'s, each learned from vector code that allocated on every
 * call in the same JVM: no vector crosses a method boundary (a helper taking one, compiled on its own
 * and then not inlined, boxed it), and no float species but {@link VectorKernels#SPECIES} ever exists
 * (a narrowing double-to-float conversion makes 256-bit float vectors, after which the matrix
 * products' vector calls were left uninlined).
 */
final class LossRows {
    private static final VectorSpecies<Float> F = VectorKernels.SPECIES;
    private static final VectorSpecies<Double> D = DoubleVector.SPECIES_512;
    private static final int LANES = ScalarKernels.SUM_LANES;
    private static final ScalarKernels SCALAR = new ScalarKernels();
    /** Whether the sums can keep the scalar lanes: sixteen floats, two vectors of eight doubles. */
    private static final boolean WIDE_DOUBLES = F.vectorBitSize() == 512;

    private LossRows() {}

    static float rowMax(float[] v, int at, int n) {
        int vlen = F.length();
        int i = 0;
        float m = Float.NEGATIVE_INFINITY;
        if (n >= 4 * vlen) {
            // Four running maxima: four chains of dependent operations in flight instead of one. No lane
            // takes a NaN, so MAX's order of lanes cannot change the value, and + 0f settles a zero's sign.
            FloatVector m0 = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY), m1 = m0, m2 = m0, m3 = m0;
            for (int bound = n - 4 * vlen; i <= bound; i += 4 * vlen) {
                FloatVector x0 = FloatVector.fromArray(F, v, at + i);
                FloatVector x1 = FloatVector.fromArray(F, v, at + i + vlen);
                FloatVector x2 = FloatVector.fromArray(F, v, at + i + 2 * vlen);
                FloatVector x3 = FloatVector.fromArray(F, v, at + i + 3 * vlen);
                m0 = m0.blend(x0, x0.compare(VectorOperators.GT, m0));
                m1 = m1.blend(x1, x1.compare(VectorOperators.GT, m1));
                m2 = m2.blend(x2, x2.compare(VectorOperators.GT, m2));
                m3 = m3.blend(x3, x3.compare(VectorOperators.GT, m3));
            }
            m = Math.max(Math.max(m0.reduceLanes(VectorOperators.MAX), m1.reduceLanes(VectorOperators.MAX)),
                    Math.max(m2.reduceLanes(VectorOperators.MAX), m3.reduceLanes(VectorOperators.MAX)));
        }
        for (; i < n; i++) {
            float x = v[at + i];
            m = x > m ? x : m;
        }
        return m + 0f;
    }

    static void shiftedLogits(float[] logits, int at, int n, float max, float[] hi, float[] lo, int out) {
        int vlen = F.length();
        int i = 0;
        if (n >= vlen) {
            FloatVector maxV = FloatVector.broadcast(F, max);
            FloatVector floor = FloatVector.broadcast(F, max - 200f);
            for (int bound = F.loopBound(n); i < bound; i += vlen) {
                FloatVector logit = FloatVector.fromArray(F, logits, at + i);
                FloatVector x = logit.blend(floor, logit.compare(VectorOperators.LT, floor));
                FloatVector difference = x.sub(maxV);
                FloatVector maxPart = difference.sub(x);
                difference.intoArray(hi, out + i);
                x.sub(difference.sub(maxPart)).sub(maxV.add(maxPart)).intoArray(lo, out + i);
            }
        }
        if (i < n) {
            SCALAR.shiftedLogits(logits, at + i, n - i, max, hi, lo, out + i);
        }
    }

    static double sum(float[] v, int at, int n) {
        if (!WIDE_DOUBLES || n < LANES) {
            return SCALAR.sum(v, at, n);
        }
        DoubleVector low = DoubleVector.zero(D), high = low;
        int i = 0;
        for (; i + LANES <= n; i += LANES) {
            FloatVector x = FloatVector.fromArray(F, v, at + i);
            low = low.add((DoubleVector) x.convertShape(VectorOperators.F2D, D, 0));
            high = high.add((DoubleVector) x.convertShape(VectorOperators.F2D, D, 1));
        }
        DoubleVector t = low.add(high);
        double total = ScalarKernels.combineLanes(t.lane(0), t.lane(1), t.lane(2), t.lane(3), t.lane(4), t.lane(5),
                t.lane(6), t.lane(7));
        for (; i < n; i++) {
            total += v[at + i];
        }
        return total;
    }

    static double weightedSum(double[] w, float[] v, int at, int n) {
        if (!WIDE_DOUBLES || n < LANES) {
            return SCALAR.weightedSum(w, v, at, n);
        }
        DoubleVector low = DoubleVector.zero(D), high = low;
        int i = 0;
        for (; i + LANES <= n; i += LANES) {
            FloatVector x = FloatVector.fromArray(F, v, at + i);
            DoubleVector x0 = (DoubleVector) x.convertShape(VectorOperators.F2D, D, 0);
            DoubleVector x1 = (DoubleVector) x.convertShape(VectorOperators.F2D, D, 1);
            low = low.add(DoubleVector.fromArray(D, w, i).mul(x0));
            high = high.add(DoubleVector.fromArray(D, w, i + 8).mul(x1));
        }
        DoubleVector t = low.add(high);
        double total = ScalarKernels.combineLanes(t.lane(0), t.lane(1), t.lane(2), t.lane(3), t.lane(4), t.lane(5),
                t.lane(6), t.lane(7));
        for (; i < n; i++) {
            total += w[i] * v[at + i];
        }
        return total;
    }

    static void softmaxGradient(float[] exps, int at, int n, float scale, float offset, float[] w, float[] grad,
                                int gradAt) {
        int vlen = F.length();
        int i = 0;
        if (n >= vlen) {
            FloatVector scaleV = FloatVector.broadcast(F, scale);
            FloatVector offsetV = FloatVector.broadcast(F, offset);
            for (int bound = F.loopBound(n); i < bound; i += vlen) {
                FloatVector e = FloatVector.fromArray(F, exps, at + i);
                e.mul(scaleV).sub(FloatVector.fromArray(F, w, i).mul(offsetV)).intoArray(grad, gradAt + i);
            }
        }
        for (; i < n; i++) {
            grad[gradAt + i] = scale * exps[at + i] - offset * w[i];
        }
    }
}
