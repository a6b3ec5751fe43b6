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
     * Writes the parameters and the optimizer state as a safetensors file, F32, with PyTorch's
     * state_dict names and shapes ({@code fc.weight [out, in]}, {@code fc.bias [out]}); optimizer
     * state goes under {@code optimizer.*} names that PyTorch's {@code load_state_dict(strict=False)}
     * ignores.
     */
    void save(Path file) throws IOException;

    /**
     * {@link #save(Path)} with extra string entries in the file's {@code __metadata__} (for example a
     * training loop's epoch and history, so that a checkpoint is one atomically written file). Keys
     * starting with {@code kiln.} are reserved for the model's own entries.
     */
    void save(Path file, Map<String, String> metadata) throws IOException;

    /**
     * Reads parameters (and optimizer state, when the file has it) from a safetensors file, such as
     * one written from the equivalent PyTorch module's state_dict. The file is validated completely
     * before anything changes: a malformed file, a missing, extra or misshapen tensor leaves the model
     * as it was.
     */
    void load(Path file) throws IOException;

    /** Stops the model's worker threads. The model must not be used afterwards. Idempotent. */
    @Override
    void close();
}
