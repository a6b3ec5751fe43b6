package dev.kiln;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * What every generated model offers. Inputs are row-major float arrays: {@code x} holds {@code n}
 * rows of {@link #inputs()} features; only the first {@code n} rows are read, so one array can serve
 * batches of different sizes.
 *
 * <p>Bad arguments (wrong lengths, {@code n < 1}, labels outside {@code [0, classes)} that are not
 * the ignore index, NaN or infinite inputs or targets) throw {@link IllegalArgumentException} before
 * anything changes: parameters and optimizer state are exactly as before the call.
 *
 * <p>Working buffers are sized on first use and grow only when a larger batch arrives, so steps at a
 * steady batch size allocate nothing. A model is not thread-safe: use it from one thread at a time
 * (it runs its own worker threads inside each call). {@link #close()} stops those workers.
 */
public interface KilnModel extends AutoCloseable {

    /** Features per input row (the first layer's {@code in}). */
    int inputs();

    /** Classes (the last layer's {@code out}). */
    int classes();

    /** Total number of trainable parameters. */
    int parameterCount();

    /**
     * The label the loss skips, PyTorch's {@code ignore_index} ({@code -100} unless the model's
     * {@link Loss} sets another): rows with it add nothing to the loss or the gradients, and
     * {@code dev.kiln.train.Evaluation} leaves them out of the accuracy.
     */
    int ignoreIndex();

    /**
     * One optimizer step on the first {@code n} rows with class-index labels: forward, loss, backward,
     * update.
     *
     * @return the batch loss before the update, as PyTorch's {@code loss.item()}
     */
    float trainStep(float[] x, int[] labels, int n);

    /**
     * One optimizer step with probability targets, row-major {@code [n][classes]} (PyTorch's
     * "class probabilities" form of cross-entropy; rows are not required to sum to 1).
     *
     * @return the batch loss before the update
     * @throws IllegalStateException if the loss has a non-negative {@code ignoreIndex}, which PyTorch
     *     does not allow with probability targets
     */
    float trainStep(float[] x, float[] targets, int n);

    /** The batch loss in evaluation mode; changes nothing. */
    float loss(float[] x, int[] labels, int n);

    /**
     * Per-sample losses in evaluation mode, PyTorch's {@code reduction='none'}: {@code out[i]} is row
     * i's loss (0 for ignored rows).
     */
    void losses(float[] x, int[] labels, int n, float[] out);

    /** The logits {@code [n][classes]} in evaluation mode, written to {@code out}. */
    void logits(float[] x, int n, float[] out);

    /** The arg-max class of each row's logits (the first on ties, as {@code torch.argmax}). */
    void predict(float[] x, int n, int[] out);

    /** The optimizer's current learning rate. */
    double learningRate();

    /** Sets the learning rate used by the following steps (what schedulers call). */
    void learningRate(double lr);

    /** Optimizer steps taken so far (restored by {@link #load}). */
    long steps();

    /**
     * Writes the parameters as a safetensors file that is exactly the equivalent PyTorch module's
     * state_dict: F32 tensors named and shaped as PyTorch names them ({@code fc.weight [out, in]},
     * {@code fc.bias [out]}), so {@code module.load_state_dict(safetensors.torch.load_file(f))} works
     * with {@code strict=True}. The file is replaced atomically: a crash leaves the old file or the new
     * one, never a torn one.
     */
    void save(Path file) throws IOException;

    /**
     * Writes a training checkpoint: the parameters as {@link #save(Path)} does, plus the optimizer
     * state as F32 tensors named {@code optimizer.<parameter>.<buffer>} (buffers {@code momentum_buffer}
     * for SGD with momentum; {@code exp_avg}, {@code exp_avg_sq} and, with AMSGrad,
     * {@code max_exp_avg_sq} for Adam/AdamW, as in PyTorch's optimizer state), the step count and the
     * generator state in {@code __metadata__} ({@code kiln.steps}, {@code kiln.generator}), and the
     * given extra metadata (a training loop's state, say). Keys starting with {@code kiln.} are
     * reserved. Replaced atomically, like {@link #save(Path)}.
     */
    void saveCheckpoint(Path file, Map<String, String> metadata) throws IOException;

    /**
     * Reads the parameters from a safetensors file, such as one saved from the equivalent PyTorch
     * module's state_dict, or a {@link #saveCheckpoint checkpoint}, in which case the optimizer state,
     * step count and generator are restored too and training continues exactly. The file is validated
     * completely before anything changes: a malformed file, a missing, extra, misshapen or non-F32
     * tensor throws and leaves the model as it was.
     */
    void load(Path file) throws IOException;

    /** Stops the model's worker threads. The model must not be used afterwards. Idempotent. */
    @Override
    void close();
}
