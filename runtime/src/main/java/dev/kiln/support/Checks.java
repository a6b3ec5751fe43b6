package dev.kiln.support;

import dev.kiln.kernel.Kernels;

/**
 * Argument checks that generated models run before touching any state, so that bad input fails with
 * a message naming the argument, the position and the rule, and leaves the model unchanged.
 */
public final class Checks {
    private Checks() {}

    /** {@code n ≥ 1} rows of {@code features} finite values at the start of {@code x}. */
    public static void inputs(float[] x, int n, int features) {
        rows(n);
        values("x", x, n, features);
    }

    /** {@code n} labels, each in {@code [0, classes)} or equal to {@code ignoreIndex}. */
    public static void labels(int[] labels, int n, int classes, int ignoreIndex) {
        if (labels == null) {
            throw new NullPointerException("labels");
        }
        if (labels.length < n) {
            throw new IllegalArgumentException("labels has " + labels.length + " values but n = " + n);
        }
        for (int i = 0; i < n; i++) {
            int y = labels[i];
            if ((y < 0 || y >= classes) && y != ignoreIndex) {
                throw new IllegalArgumentException("labels[" + i + "] = " + y + " is out of bounds: classes are 0.."
                        + (classes - 1) + (ignoreIndex < 0 || ignoreIndex >= classes
                        ? " and the ignore index is " + ignoreIndex : ""));
            }
        }
    }

    /** {@code n} rows of {@code classes} finite probability targets. */
    public static void targets(float[] targets, int n, int classes) {
        values("targets", targets, n, classes);
    }

    /** An output array with room for {@code n} rows of {@code width} values. */
    public static void output(float[] out, int n, int width) {
        if (out == null) {
            throw new NullPointerException("out");
        }
        long need = (long) n * width;
        if (out.length < need) {
            throw new IllegalArgumentException("out has " + out.length + " values but " + n + " rows of " + width
                    + " need " + need);
        }
    }

    /** An output array with room for {@code n} values. */
    public static void output(int[] out, int n) {
        if (out == null) {
            throw new NullPointerException("out");
        }
        if (out.length < n) {
            throw new IllegalArgumentException("out has " + out.length + " values but n = " + n);
        }
    }

    /** A batch size of at least one row. */
    public static void rows(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("n must be at least 1, got " + n);
        }
    }

    private static void values(String name, float[] values, int n, int width) {
        if (values == null) {
            throw new NullPointerException(name);
        }
        long need = (long) n * width;
        if (values.length < need) {
            throw new IllegalArgumentException(name + " has " + values.length + " values but n = " + n + " rows of "
                    + width + " need " + need);
        }
        int i = Kernels.get().firstNonFinite(values, (int) need);
        if (i >= 0) {
            throw new IllegalArgumentException(name + "[" + i + "] (row " + i / width + ", column " + i % width
                    + ") is " + values[i] + ": values must be finite");
        }
    }
}
