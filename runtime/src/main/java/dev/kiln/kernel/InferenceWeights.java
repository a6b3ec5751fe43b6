package dev.kiln.kernel;

import dev.kiln.thread.ThreadTeam;

/**
 * A model's large weights copied into the layout {@link Kernels#linearForwardFromPanels} reads, for
 * forward passes of a few rows: predicting single samples reads each weight once per output vector
 * rather than once per output (on Zen 5 a 784 → 256 layer took 7.5 µs for one row, against 63 µs read in
 * place). Results are bit for bit the same either way. The copies are redone on the first such pass after
 * the parameters change, so they pay between predictions, not between training steps; a generated model
 * calls {@link #invalidate} before anything writes its parameters.
 */
public final class InferenceWeights {
    private final Kernels kernels;
    /** Per layer: weight offset, inputs, outputs. */
    private final int[] layers;
    private final float[][] panels;
    private boolean current;

    /**
     * @param layers for each layer, in order: its weight's offset in the parameters, its inputs and its
     *               outputs
     */
    public InferenceWeights(Kernels kernels, int... layers) {
        if (layers.length % 3 != 0) {
            throw new IllegalArgumentException("layers come as (weight offset, in, out) triples, got "
                    + layers.length + " values");
        }
        this.kernels = kernels;
        this.layers = layers.clone();
        this.panels = new float[layers.length / 3][];
        for (int layer = 0; layer < panels.length; layer++) {
            panels[layer] = new float[kernels.panelsLength(in(layer), out(layer))];
        }
    }

    /** Marks the copies out of date: the parameters are about to change. */
    public void invalidate() {
        current = false;
    }

    /**
     * Whether a forward pass of {@code n} rows should read the copies ({@link #forward}); if so, they are
     * brought up to date with {@code params} first.
     */
    public boolean use(ThreadTeam team, float[] params, int n) {
        if (n < 1 || n > kernels.panelRows()) {
            return false;
        }
        if (!current) {
            for (int layer = 0; layer < panels.length; layer++) {
                kernels.packPanels(team, in(layer), out(layer), params, layers[3 * layer], panels[layer]);
            }
            current = true;
        }
        return true;
    }

    /**
     * Layer {@code layer}'s forward pass from its copy, as {@link Kernels#linearForwardFromPanels}:
     * {@code z = x · Wᵀ (+ bias)} and {@code a = f(z)} ({@code f} null: none).
     */
    public void forward(ThreadTeam team, int layer, Activation f, int n, float[] x, float[] params, int bOff,
                        float[] z, float[] a) {
        kernels.linearForwardFromPanels(team, f, n, in(layer), out(layer), x, 0, params, layers[3 * layer], bOff,
                panels[layer], z, 0, a, 0);
    }

    private int in(int layer) {
        return layers[3 * layer + 1];
    }

    private int out(int layer) {
        return layers[3 * layer + 2];
    }
}
