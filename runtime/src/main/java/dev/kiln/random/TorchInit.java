package dev.kiln.random;

/**
 * PyTorch's default {@code nn.Linear} initialisation, reproduced bit for bit: the weight from
 * {@code kaiming_uniform_(a=√5)}, i.e. U(-b, b) with {@code b = √3 · √(2/(1+a²)) / √in}, then the
 * bias from U(-1/√in, 1/√in), each value consuming one generator output as
 * {@code torch.Tensor.uniform_} does on the CPU.
 */
public final class TorchInit {
    private static final double KAIMING_A = Math.sqrt(5);

    private TorchInit() {}

    /** Fills a Linear layer's weight {@code [out, in]} at {@code wOff}, then its bias at {@code bOff} (if ≥ 0). */
    public static void linear(MersenneTwister rng, float[] params, int in, int out, int wOff, int bOff) {
        double gain = Math.sqrt(2.0 / (1 + KAIMING_A * KAIMING_A));
        double std = gain / Math.sqrt(in);
        double weightBound = Math.sqrt(3.0) * std;
        uniform(rng, params, wOff, in * out, weightBound);
        if (bOff >= 0) {
            uniform(rng, params, bOff, out, 1 / Math.sqrt(in));
        }
    }

    /** {@code uniform_(-bound, bound)}: the interval ends are floats, the affine map runs in double. */
    static void uniform(MersenneTwister rng, float[] dst, int offset, int count, double bound) {
        float lo = (float) -bound;
        float hi = (float) bound;
        double span = (double) (hi - lo);
        for (int i = 0; i < count; i++) {
            double u = (rng.nextInt() & 0xFFFFFF) * 0x1.0p-24;
            dst[offset + i] = (float) (u * span + lo);
        }
    }
}
