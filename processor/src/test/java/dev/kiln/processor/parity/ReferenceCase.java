package dev.kiln.processor.parity;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One case of the PyTorch reference data in {@code src/test/resources/reference/}, written by
 * {@code src/test/python/generate_reference.py}: a {@code @Model} source, the parameters PyTorch's
 * equivalent module starts with, the batches it was trained on with the loss of each step, its final
 * parameters and an evaluation batch.
 *
 * <p>Floats are float32 values written as decimal doubles, so parsing as double and casting to
 * float restores them exactly; non-finite ones are the strings {@code "NaN"}, {@code "Infinity"} and
 * {@code "-Infinity"}. Tensors are flat and row-major; arrays may hold more rows than {@code n}.
 */
record ReferenceCase(
        String name,
        String description,
        String className,
        String source,
        long seed,
        int inputs,
        int classes,
        Map<String, float[]> initialParameters,
        List<Step> steps,
        float[] losses,
        Map<String, float[]> finalParameters,
        Evaluation evaluation) {

    private static final String DIRECTORY = "/reference/";

    /** One training batch: class labels, or probability targets when {@code labels} is null. */
    record Step(int n, float[] x, int[] labels, float[] targets) {}

    /** The evaluation batch and what PyTorch's trained module gives for it in eval mode. */
    record Evaluation(int n, float[] x, int[] labels, float[] logits, float loss, float[] losses, int[] predictions) {}

    /** The file names listed in {@code index.json}. */
    static List<String> index() {
        List<String> files = new ArrayList<>();
        for (JsonElement file : read("index.json").getAsJsonArray("cases")) {
            files.add(file.getAsString());
        }
        return files;
    }

    static ReferenceCase load(String file) {
        JsonObject json = read(file);
        JsonObject eval = json.getAsJsonObject("eval");
        List<Step> steps = new ArrayList<>();
        for (JsonElement element : json.getAsJsonArray("steps")) {
            JsonObject step = element.getAsJsonObject();
            steps.add(new Step(step.get("n").getAsInt(), floats(step.getAsJsonArray("x")),
                    step.has("labels") ? ints(step.getAsJsonArray("labels")) : null,
                    step.has("targets") ? floats(step.getAsJsonArray("targets")) : null));
        }
        return new ReferenceCase(
                json.get("name").getAsString(),
                json.get("description").getAsString(),
                json.get("className").getAsString(),
                json.get("source").getAsString(),
                json.get("seed").getAsLong(),
                json.get("inputs").getAsInt(),
                json.get("classes").getAsInt(),
                tensors(json.getAsJsonObject("initialParameters")),
                steps,
                floats(json.getAsJsonArray("losses")),
                tensors(json.getAsJsonObject("finalParameters")),
                new Evaluation(eval.get("n").getAsInt(), floats(eval.getAsJsonArray("x")),
                        ints(eval.getAsJsonArray("labels")), floats(eval.getAsJsonArray("logits")),
                        toFloat(eval.get("loss")), floats(eval.getAsJsonArray("losses")),
                        ints(eval.getAsJsonArray("predictions"))));
    }

    @Override
    public String toString() {
        return name;
    }

    private static JsonObject read(String file) {
        InputStream in = ReferenceCase.class.getResourceAsStream(DIRECTORY + file);
        if (in == null) {
            throw new IllegalStateException("missing test resource " + DIRECTORY + file);
        }
        try (Reader reader = new InputStreamReader(in, StandardCharsets.UTF_8)) {
            return JsonParser.parseReader(reader).getAsJsonObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Map<String, float[]> tensors(JsonObject json) {
        Map<String, float[]> tensors = new LinkedHashMap<>();
        json.entrySet().forEach(e -> tensors.put(e.getKey(), floats(e.getValue().getAsJsonArray())));
        return tensors;
    }

    private static float[] floats(JsonArray array) {
        float[] values = new float[array.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = toFloat(array.get(i));
        }
        return values;
    }

    /** A number's text, or "NaN"/"Infinity"/"-Infinity", read as a double and rounded to float. */
    private static float toFloat(JsonElement element) {
        return (float) Double.parseDouble(element.getAsString());
    }

    private static int[] ints(JsonArray array) {
        int[] values = new int[array.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = array.get(i).getAsInt();
        }
        return values;
    }
}
