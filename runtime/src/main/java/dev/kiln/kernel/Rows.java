package dev.kiln.kernel;

/** Row-wise helpers on row-major matrices. */
public final class Rows {
    private Rows() {}

    /**
     * The index of each row's largest value, the first on ties, as {@code torch.argmax}; a NaN counts as
     * the largest (the first NaN wins), as in PyTorch.
     */
    public static void argmax(float[] values, int rows, int width, int[] out) {
        for (int r = 0; r < rows; r++) {
            int base = r * width;
            int best = 0;
            float bestValue = values[base];
            if (bestValue == bestValue) {
                for (int c = 1; c < width; c++) {
                    float v = values[base + c];
                    if (v != v) {
                        best = c;
                        break;
                    }
                    if (v > bestValue) {
                        best = c;
                        bestValue = v;
                    }
                }
            }
            out[r] = best;
        }
    }
}
