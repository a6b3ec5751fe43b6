package dev.kiln.io;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsTest {
    @TempDir
    Path dir;

    @Test
    void roundTripsTensorsAndMetadata() throws IOException {
        Random random = new Random(42);
        float[] params = new float[100];
        for (int i = 0; i < params.length; i++) {
            params[i] = random.nextFloat() * 2 - 1;
        }
        params[3] = Float.NaN;
        params[4] = Float.NEGATIVE_INFINITY;
        params[5] = -0.0f;
        params[6] = Float.MIN_VALUE;
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("format", "pt");
        metadata.put("note \u00fc\n\"x\"", "\u0001\ud83d\ude00");
        List<FloatTensor> tensors = List.of(
                FloatTensor.of("fc2.weight", params, 30, 2, 3),
                FloatTensor.of("fc1.weight", params, 2, 3, 4),
                FloatTensor.of("fc1.bias", params, 14, 3),
                FloatTensor.of("scalar", params, 99),
                FloatTensor.of("empty", params, 100, 0, 7));
        Path path = dir.resolve("model.safetensors");
        Safetensors.write(path, tensors, metadata);

        SafetensorsFile file = Safetensors.read(path);
        assertEquals(path, file.file());
        assertEquals(List.of("empty", "fc1.bias", "fc1.weight", "fc2.weight", "scalar"), file.names());
        assertEquals(metadata, file.metadata());
        assertEquals(List.copyOf(metadata.keySet()), List.copyOf(file.metadata().keySet()));
        for (FloatTensor tensor : tensors) {
            assertEquals(Dtype.F32, file.dtype(tensor.name()));
            assertArrayEquals(tensor.shape(), file.shape(tensor.name()));
            float[] expected = new float[tensor.elementCount()];
            System.arraycopy(params, tensor.offset(), expected, 0, expected.length);
            assertArrayEquals(bits(expected), bits(file.floats(tensor.name())), tensor.name());
        }
        float[] dst = new float[20];
        assertEquals(12, file.copyFloats("fc1.weight", dst, 8));
        assertEquals(params[2], dst[8]);
        assertEquals(params[13], dst[19]);
        assertEquals(0, dst[7]);
        assertThrows(IndexOutOfBoundsException.class, () -> file.copyFloats("fc1.weight", dst, 9));
    }

    @Test
    void writesTheReferenceWritersBytes() throws IOException {
        // The reference implementation's own serialization test: one tensor "attn.0", [1, 2, 3],
        // whose 64-byte header needs no padding.
        float[] values = {0, 1, 2, 3, 4, 5};
        Path path = dir.resolve("attn.safetensors");
        Safetensors.write(path, List.of(FloatTensor.of("attn.0", values, 0, 1, 2, 3)), Map.of());
        String header = "{\"attn.0\":{\"dtype\":\"F32\",\"shape\":[1,2,3],\"data_offsets\":[0,24]}}";
        ByteBuffer expected = ByteBuffer.allocate(8 + 64 + 24).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(64).put(header.getBytes(UTF_8));
        for (float value : values) {
            expected.putFloat(value);
        }
        assertArrayEquals(expected.array(), Files.readAllBytes(path));
    }

    @Test
    void writesAnEmptyFileAsTheReferenceWriterDoes() throws IOException {
        Path path = dir.resolve("empty.safetensors");
        Safetensors.write(path, List.of(), Map.of());
        assertArrayEquals(new byte[] {8, 0, 0, 0, 0, 0, 0, 0, '{', '}', ' ', ' ', ' ', ' ', ' ', ' '},
                Files.readAllBytes(path));
        Safetensors.write(path, List.of(), Map.of("framework", "pt"));
        assertEquals("{\"__metadata__\":{\"framework\":\"pt\"}}     ",
                new String(Files.readAllBytes(path), 8, 40, UTF_8));
    }

    @Test
    void ordersNamesByUtf8BytesLikeRust() throws IOException {
        // UTF-16 order would put U+1F600 (surrogates D83D..) before U+FF21; UTF-8 order does not.
        float[] values = {1, 2, 3, 4};
        String emoji = "\ud83d\ude00";
        String fullwidthA = "\uff21";
        Path path = dir.resolve("order.safetensors");
        Safetensors.write(path, List.of(FloatTensor.of(emoji, values, 0, 1),
                FloatTensor.of(fullwidthA, values, 1, 1), FloatTensor.of("z", values, 2, 1),
                FloatTensor.of("Z", values, 3, 1)), Map.of());
        SafetensorsFile file = Safetensors.read(path);
        assertEquals(List.of("Z", "z", fullwidthA, emoji), file.names());
        assertEquals(1f, file.floats(emoji)[0]);
        assertEquals(2f, file.floats(fullwidthA)[0]);
    }

    @Test
    void readsThePyTorchLinearFixture() throws Exception {
        SafetensorsFile file = Safetensors.read(resource("linear.safetensors"));
        checkAgainstExpected(file, "linear.expected.json");
        assertEquals(List.of("fc1.bias", "fc1.weight", "fc2.weight"), file.names());
        assertArrayEquals(new long[] {3, 4}, file.shape("fc1.weight"));
        assertArrayEquals(new long[] {2, 3}, file.shape("fc2.weight"));
    }

    @Test
    void readsEveryPyTorchDtypeAndConvertsFloats() throws Exception {
        SafetensorsFile file = Safetensors.read(resource("dtypes.safetensors"));
        checkAgainstExpected(file, "dtypes.expected.json");
        SafetensorsException notF32 = assertThrows(SafetensorsException.class,
                () -> file.copyFloats("half", new float[14], 0));
        assertTrue(notF32.getMessage().endsWith(": tensor half has dtype F16, expected F32"),
                notF32.getMessage());
        SafetensorsException notFloat = assertThrows(SafetensorsException.class,
                () -> file.copyAsFloats("long", new float[3], 0));
        assertTrue(notFloat.getMessage().contains("tensor long has dtype I64, which does not "
                + "convert to float"), notFloat.getMessage());
        SafetensorsException missing = assertThrows(SafetensorsException.class,
                () -> file.floats("fc9.weight"));
        assertTrue(missing.getMessage().endsWith(": no tensor named fc9.weight"));
        assertFalse(file.contains("fc9.weight"));
    }

    @Test
    void convertsEveryHalfExactly() {
        for (int bits = 0; bits < 1 << 16; bits++) {
            float expected = halfByDefinition(bits);
            float actual = SafetensorsFile.halfToFloat((short) bits);
            if (Float.isNaN(expected)) {
                assertEquals(0x7f800000 | (bits & 0x8000) << 16 | (bits & 0x3ff) << 13,
                        Float.floatToRawIntBits(actual), Integer.toHexString(bits));
            } else {
                assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(actual),
                        Integer.toHexString(bits));
            }
        }
    }

    /** IEEE 754 binary16 by its formula, in double arithmetic. */
    private static float halfByDefinition(int bits) {
        double sign = (bits & 0x8000) != 0 ? -1 : 1;
        int exponent = (bits >> 10) & 0x1f;
        int mantissa = bits & 0x3ff;
        if (exponent == 0x1f) {
            return mantissa == 0 ? (float) (sign * Double.POSITIVE_INFINITY) : Float.NaN;
        }
        double magnitude = exponent == 0
                ? mantissa * Math.pow(2, -24)
                : (1 + mantissa / 1024.0) * Math.pow(2, exponent - 15);
        return (float) (sign * magnitude);
    }

    /**
     * Writes the linear fixture back through Kiln, with every tensor a view into one shared array,
     * and requires the reference writer's bytes exactly. The file stays in target/ for
     * {@code make_safetensors_fixtures.py verify}, which loads it into the PyTorch module.
     */
    @Test
    void rewritesThePyTorchFixtureByteForByte() throws Exception {
        Path fixture = resource("linear.safetensors");
        SafetensorsFile file = Safetensors.read(fixture);
        float[] all = new float[64];
        int offset = 5;
        List<FloatTensor> tensors = new ArrayList<>();
        for (String name : List.of("fc2.weight", "fc1.weight", "fc1.bias")) {
            long[] shape = file.shape(name);
            offset += 3;
            tensors.add(new FloatTensor(name, shape, all, offset));
            offset += file.copyFloats(name, all, offset);
        }
        Path out = Path.of("target", "safetensors", "kiln-linear.safetensors");
        Files.createDirectories(out.getParent());
        Safetensors.write(out, tensors, file.metadata());
        assertArrayEquals(Files.readAllBytes(fixture), Files.readAllBytes(out));
    }

    private static void checkAgainstExpected(SafetensorsFile file, String expectedResource)
            throws Exception {
        Map<?, ?> expected = (Map<?, ?>) Json.parse(
                Files.readString(resource(expectedResource), UTF_8));
        assertEquals(expected.get("metadata"), file.metadata());
        assertEquals(expected.get("order"), file.names());
        Map<?, ?> tensors = (Map<?, ?>) expected.get("tensors");
        assertEquals(tensors.size(), file.names().size());
        for (Map.Entry<?, ?> entry : tensors.entrySet()) {
            String name = (String) entry.getKey();
            Map<?, ?> tensor = (Map<?, ?>) entry.getValue();
            assertEquals(tensor.get("dtype"), file.dtype(name).name(), name);
            assertArrayEquals(longs((List<?>) tensor.get("shape")), file.shape(name), name);
            ByteBuffer data = file.data(name);
            byte[] bytes = new byte[data.remaining()];
            data.get(bytes);
            assertEquals(tensor.get("hex"), HexFormat.of().formatHex(bytes), name);
            if (tensor.containsKey("float_bits")) {
                long[] expectedBits = longs((List<?>) tensor.get("float_bits"));
                float[] values = new float[expectedBits.length + 2];
                assertEquals(expectedBits.length, file.copyAsFloats(name, values, 1), name);
                for (int i = 0; i < expectedBits.length; i++) {
                    assertEquals(expectedBits[i], Float.floatToRawIntBits(values[1 + i]) & 0xffffffffL,
                            name + "[" + i + "]");
                }
                if (file.dtype(name) == Dtype.F32) {
                    assertArrayEquals(bits(file.floats(name)),
                            bits(Arrays.copyOfRange(values, 1, 1 + expectedBits.length)));
                }
            }
        }
    }

    @Test
    void failedWriteLeavesTheOldFileAndNoTemporaryFile() throws IOException {
        Path path = dir.resolve("model.safetensors");
        float[] old = {1, 2, 3};
        Safetensors.write(path, List.of(FloatTensor.of("w", old, 0, 3)), Map.of());
        byte[] before = Files.readAllBytes(path);
        List<FloatTensor> big = List.of(FloatTensor.of("w", new float[1 << 20], 0, 1 << 20));

        for (long failAfter : new long[] {0, 100, 3 << 20, Long.MAX_VALUE}) {
            IOException e = assertThrows(IOException.class, () -> Safetensors.write(path, big,
                    Map.of(), temp -> new FailingChannel(temp, failAfter)));
            assertTrue(e.getMessage().startsWith("injected"), e.getMessage());
            assertArrayEquals(before, Files.readAllBytes(path), "after failing at " + failAfter);
            assertEquals(List.of(path), listDir(), "after failing at " + failAfter);
        }
    }

    @Test
    void failedRenameLeavesNoTemporaryFile() throws IOException {
        Path target = Files.createDirectories(dir.resolve("taken"));
        Files.writeString(target.resolve("inside"), "keep");
        assertThrows(IOException.class, () -> Safetensors.write(target,
                List.of(FloatTensor.of("w", new float[1], 0, 1)), Map.of()));
        assertEquals("keep", Files.readString(target.resolve("inside")));
        assertEquals(List.of(target), listDir());
    }

    @Test
    void replacesAnExistingFile() throws IOException {
        Path path = dir.resolve("model.safetensors");
        Safetensors.write(path, List.of(FloatTensor.of("w", new float[] {1, 2}, 0, 2)), Map.of());
        Safetensors.write(path, List.of(FloatTensor.of("v", new float[] {3}, 0, 1)), Map.of());
        SafetensorsFile file = Safetensors.read(path);
        assertEquals(List.of("v"), file.names());
        assertEquals(List.of(path), listDir());
    }

    @Test
    void rejectsBadTensorsBeforeTouchingTheFile() throws IOException {
        Path path = dir.resolve("model.safetensors");
        Safetensors.write(path, List.of(FloatTensor.of("w", new float[] {1}, 0, 1)), Map.of());
        byte[] before = Files.readAllBytes(path);
        float[] data = new float[10];

        IllegalArgumentException outOfRange = assertThrows(IllegalArgumentException.class,
                () -> FloatTensor.of("fc.weight", data, 5, 2, 3));
        assertEquals("tensor fc.weight: shape [2, 3] needs 6 floats from offset 5, but the array "
                + "has 10", outOfRange.getMessage());
        assertThrows(IllegalArgumentException.class, () -> FloatTensor.of("w", data, -1, 1));
        assertThrows(IllegalArgumentException.class, () -> FloatTensor.of("w", data, 0, 2, -1));
        assertThrows(IllegalArgumentException.class,
                () -> new FloatTensor("w", new long[] {1L << 40, 1L << 40}, data, 0));
        assertThrows(IllegalArgumentException.class, () -> FloatTensor.of("__metadata__", data, 0));
        assertThrows(IllegalArgumentException.class, () -> FloatTensor.of("w\ud800", data, 0));
        assertEquals(0, FloatTensor.of("w", data, 10, 3, 0).elementCount());

        IllegalArgumentException duplicate = assertThrows(IllegalArgumentException.class,
                () -> Safetensors.write(path, List.of(FloatTensor.of("w", data, 0, 1),
                        FloatTensor.of("w", data, 1, 1)), Map.of()));
        assertEquals("duplicate tensor name w", duplicate.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Safetensors.write(path, List.of(),
                Map.of("k", "\udc00")));
        assertArrayEquals(before, Files.readAllBytes(path));
        assertEquals(List.of(path), listDir());
    }

    private List<Path> listDir() throws IOException {
        try (var files = Files.list(dir)) {
            return files.sorted().toList();
        }
    }

    private static Path resource(String name) throws URISyntaxException {
        return Path.of(SafetensorsTest.class.getResource("/safetensors/" + name).toURI());
    }

    private static long[] longs(List<?> numbers) {
        return numbers.stream().mapToLong(n -> Long.parseLong(((Json.Number) n).literal())).toArray();
    }

    private static int[] bits(float[] values) {
        int[] bits = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            bits[i] = Float.floatToRawIntBits(values[i]);
        }
        return bits;
    }
}
