package dev.kiln.support;

import dev.kiln.io.Dtype;
import dev.kiln.io.FloatTensor;
import dev.kiln.io.Safetensors;
import dev.kiln.io.SafetensorsException;
import dev.kiln.io.SafetensorsFile;
import dev.kiln.optim.Optimizer;
import dev.kiln.random.MersenneTwister;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Saving and loading generated models as safetensors: plain PyTorch state_dicts, and checkpoints that
 * add the optimizer state and the generator. Loading is all-or-nothing: the whole file is read and
 * checked into scratch arrays first, and the model is only written once nothing can fail.
 */
public final class ModelFiles {
    /** Metadata key of the optimizer's step count in a checkpoint. */
    public static final String STEPS_KEY = "kiln.steps";
    /** Metadata key of the generator state in a checkpoint. */
    public static final String GENERATOR_KEY = "kiln.generator";
    /** Prefix of optimizer state tensors: {@code optimizer.<parameter>.<buffer>}. */
    public static final String OPTIMIZER_PREFIX = "optimizer.";

    private ModelFiles() {}

    /** Writes the parameters only, as the equivalent PyTorch module's state_dict. */
    public static void save(Path file, ParameterTable table, float[] params) throws IOException {
        Safetensors.write(file, tensors(table, params, ""), Map.of("format", "pt"));
    }

    /** Writes parameters, optimizer state, step count, generator state and the caller's metadata. */
    public static void saveCheckpoint(Path file, ParameterTable table, float[] params, Optimizer optimizer,
                                      MersenneTwister generator, Map<String, String> extra) throws IOException {
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("format", "pt");
        for (Map.Entry<String, String> e : extra.entrySet()) {
            if (e.getKey().startsWith("kiln.") || e.getKey().equals("format")) {
                throw new IllegalArgumentException("metadata key " + e.getKey() + " is reserved for Kiln");
            }
            metadata.put(e.getKey(), e.getValue());
        }
        metadata.put(STEPS_KEY, Long.toString(optimizer.steps()));
        metadata.put(GENERATOR_KEY, generator.saveState());
        List<FloatTensor> tensors = tensors(table, params, "");
        if (optimizer.steps() > 0) {
            for (Optimizer.StateBuffer buffer : optimizer.state()) {
                tensors.addAll(tensors(table, buffer.values(), "." + buffer.name()));
            }
        }
        Safetensors.write(file, tensors, metadata);
    }

    /**
     * Loads a state_dict or a checkpoint into the model's arrays, all or nothing.
     *
     * @throws SafetensorsException if the file is malformed or its tensors do not match the model
     */
    public static void load(Path file, ParameterTable table, float[] params, Optimizer optimizer,
                            MersenneTwister generator) throws IOException {
        SafetensorsFile in = Safetensors.read(file);
        List<Optimizer.StateBuffer> buffers = optimizer.state();
        TreeSet<String> expected = new TreeSet<>();
        table.entries().forEach(e -> expected.add(e.name()));
        boolean hasOptimizerState = in.names().stream().anyMatch(n -> n.startsWith(OPTIMIZER_PREFIX));
        if (hasOptimizerState) {
            for (Optimizer.StateBuffer buffer : buffers) {
                table.entries().forEach(e -> expected.add(stateName(e, "." + buffer.name())));
            }
        }
        TreeSet<String> missing = new TreeSet<>(expected);
        in.names().forEach(missing::remove);
        TreeSet<String> extra = new TreeSet<>(in.names());
        extra.removeAll(expected);
        if (!missing.isEmpty() || !extra.isEmpty()) {
            throw new SafetensorsException(file, "tensors do not match the model"
                    + (missing.isEmpty() ? "" : "; missing " + missing)
                    + (extra.isEmpty() ? "" : "; unexpected " + extra)
                    + "; the model has " + table.entries().stream().map(ModelFiles::describe).toList()
                    + (hasOptimizerState ? " and optimizer state " + buffers.stream()
                    .map(Optimizer.StateBuffer::name).toList() : ""));
        }
        float[] newParams = read(in, file, table, "");
        List<float[]> newState = new ArrayList<>();
        long steps = 0;
        String generatorState = null;
        if (hasOptimizerState) {
            for (Optimizer.StateBuffer buffer : buffers) {
                newState.add(read(in, file, table, "." + buffer.name()));
            }
            steps = parseSteps(in, file);
            generatorState = in.metadata().get(GENERATOR_KEY);
        } else if (in.metadata().containsKey(GENERATOR_KEY)) {
            generatorState = in.metadata().get(GENERATOR_KEY);
            steps = parseSteps(in, file); // a checkpoint saved before the first step, or of an SGD without state
        }
        MersenneTwister check = new MersenneTwister(0);
        if (generatorState != null) {
            try {
                check.restoreState(generatorState);
            } catch (IllegalArgumentException e) {
                throw new SafetensorsException(file, "metadata " + GENERATOR_KEY + " is invalid: " + e.getMessage());
            }
        }
        // Nothing below can fail: commit.
        System.arraycopy(newParams, 0, params, 0, params.length);
        if (hasOptimizerState || generatorState != null) {
            for (int i = 0; i < newState.size(); i++) {
                float[] target = buffers.get(i).values();
                System.arraycopy(newState.get(i), 0, target, 0, target.length);
            }
            optimizer.restoreSteps(steps);
        }
        if (generatorState != null) {
            generator.restoreState(generatorState);
        }
    }

    private static long parseSteps(SafetensorsFile in, Path file) throws SafetensorsException {
        String text = in.metadata().get(STEPS_KEY);
        try {
            long steps = Long.parseLong(text == null ? "" : text);
            if (steps < 0) {
                throw new NumberFormatException();
            }
            return steps;
        } catch (NumberFormatException e) {
            throw new SafetensorsException(file, "checkpoint metadata " + STEPS_KEY + " must be a step count, got "
                    + text);
        }
    }

    private static float[] read(SafetensorsFile in, Path file, ParameterTable table, String suffix)
            throws SafetensorsException {
        float[] values = new float[table.size()];
        for (ParameterTable.Entry e : table.entries()) {
            String name = stateName(e, suffix);
            Dtype dtype = in.dtype(name);
            if (dtype != Dtype.F32) {
                throw new SafetensorsException(file, "tensor " + name + " has dtype " + dtype
                        + "; Kiln models hold F32 (convert with tensor.float() before saving)");
            }
            long[] shape = in.shape(name);
            if (!Arrays.equals(shape, e.longShape())) {
                throw new SafetensorsException(file, "tensor " + name + " has shape " + Arrays.toString(shape)
                        + " but the model's is " + Arrays.toString(e.shape()));
            }
            in.copyFloats(name, values, e.offset());
        }
        return values;
    }

    private static List<FloatTensor> tensors(ParameterTable table, float[] values, String suffix) {
        List<FloatTensor> tensors = new ArrayList<>();
        for (ParameterTable.Entry e : table.entries()) {
            tensors.add(new FloatTensor(stateName(e, suffix), e.longShape(), values, e.offset()));
        }
        return tensors;
    }

    /** {@code fc.weight} for the parameters, {@code optimizer.fc.weight.exp_avg} for state. */
    private static String stateName(ParameterTable.Entry e, String suffix) {
        return suffix.isEmpty() ? e.name() : OPTIMIZER_PREFIX + e.name() + suffix;
    }

    private static String describe(ParameterTable.Entry e) {
        return e.name() + Arrays.toString(e.shape());
    }
}
