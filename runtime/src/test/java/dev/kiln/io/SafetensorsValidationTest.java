package dev.kiln.io;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every rule of the reference reader, each broken by a crafted file. */
class SafetensorsValidationTest {
    @TempDir
    Path dir;

    /** A file of the given header length field, header bytes and data bytes. */
    static byte[] file(long headerLength, byte[] header, int dataBytes) {
        return ByteBuffer.allocate(8 + header.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(headerLength).put(header).array();
    }

    /** A well-formed frame around {@code header}, with {@code dataBytes} zero bytes of data. */
    static byte[] file(String header, int dataBytes) {
        byte[] bytes = header.getBytes(UTF_8);
        return file(bytes.length, bytes, dataBytes);
    }

    private SafetensorsException rejected(byte[] contents) throws IOException {
        Path path = dir.resolve("bad.safetensors");
        Files.write(path, contents);
        SafetensorsException e = assertThrows(SafetensorsException.class,
                () -> Safetensors.read(path));
        assertTrue(e.getMessage().startsWith(path + ": "), e.getMessage());
        assertEquals(path, e.file());
        return e;
    }

    private void assertRejected(byte[] contents, String problem) throws IOException {
        String message = rejected(contents).getMessage();
        assertTrue(message.contains(problem), () -> "expected '" + problem + "' in: " + message);
    }

    @Test
    void rejectsFilesShorterThanTheLengthField() throws IOException {
        assertRejected(new byte[0], "file is 0 bytes, too short for the 8-byte header length");
        assertRejected(new byte[7], "file is 7 bytes, too short");
    }

    @Test
    void rejectsHeaderLengthsOverTheLimitBeforeAllocating() throws IOException {
        assertRejected(file(123456789012L, new byte[0], 0),
                "header length 123456789012 exceeds the limit of 100000000 bytes");
        assertRejected(file(-1L, new byte[0], 0),
                "header length 18446744073709551615 exceeds the limit");
        assertRejected(file(Safetensors.MAX_HEADER_LENGTH + 1, new byte[0], 0), "exceeds the limit");
    }

    @Test
    void rejectsHeaderLengthsPastTheEndOfTheFile() throws IOException {
        // Within the limit, but the file is tiny: must fail before a 100 MB array is allocated.
        assertRejected(file(Safetensors.MAX_HEADER_LENGTH, new byte[0], 0),
                "header length 100000000 runs past the end of the file (8 bytes)");
        assertRejected(file(3, "{}".getBytes(UTF_8), 0), "header length 3 runs past the end");
    }

    @Test
    void rejectsInvalidUtf8() throws IOException {
        byte[][] invalid = {
            {'{', '"', (byte) 0xff, '"', ':', '1', '}'},             // never valid in UTF-8
            {'{', '"', (byte) 0xc0, (byte) 0xaf, '"', ':', '1', '}'}, // overlong '/'
            {'{', '"', (byte) 0xed, (byte) 0xa0, (byte) 0x80, '"', ':', '1', '}'}, // a surrogate
            {'{', '"', (byte) 0xe2, (byte) 0x82, '"', ':', '1', '}'}, // truncated sequence
        };
        for (byte[] header : invalid) {
            assertRejected(file(header.length, header, 0), "header is not valid UTF-8 (at byte 2");
        }
    }

    static Stream<Arguments> malformedHeaders() {
        String ok = "{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}";
        return Stream.of(
            Arguments.of("{\"a\":" + ok + ",}", "header is not valid JSON: unexpected '}'"),
            Arguments.of("{\"a\":" + ok, "header is not valid JSON: unexpected end of input"),
            Arguments.of("{\"a\":" + ok + "}x", "header is not valid JSON: unexpected 'x'"),
            Arguments.of("{\"a\":" + ok + ",\"a\":" + ok + "}",
                    "header is not valid JSON: duplicate key \"a\" at character"),
            Arguments.of("[]", "header is not a JSON object"),
            Arguments.of("{\"a\":[]}", "tensor a: entry is not a JSON object"),
            Arguments.of("{\"a\":{\"dtype\":\"F31\",\"shape\":[2],\"data_offsets\":[0,8]}}",
                    "tensor a: unknown dtype \"F31\""),
            Arguments.of("{\"a\":{\"dtype\":\"f32\",\"shape\":[2],\"data_offsets\":[0,8]}}",
                    "tensor a: unknown dtype \"f32\""),
            Arguments.of("{\"a\":{\"dtype\":32,\"shape\":[2],\"data_offsets\":[0,8]}}",
                    "tensor a: \"dtype\" is not a string"),
            Arguments.of("{\"a\":{\"shape\":[2],\"data_offsets\":[0,8]}}",
                    "tensor a: missing \"dtype\""),
            Arguments.of("{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,8]}}",
                    "tensor a: missing \"shape\""),
            Arguments.of("{\"a\":{\"dtype\":\"F32\",\"shape\":[2]}}",
                    "tensor a: missing \"data_offsets\""),
            Arguments.of("{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}",
                    "tensor a: \"shape\" is not an array of non-negative integers"),
            Arguments.of("{\"a\":{\"dtype\":\"F32\",\"shape\":[2.0],\"data_offsets\":[0,8]}}",
                    "tensor a: \"shape\" is not an array of non-negative integers"),
            Arguments.of("{\"a\":{\"dtype\":\"F32\",\"shape\":[2e0],\"data_offsets\":[0,8]}}",
                    "tensor a: \"shape\" is not an array of non-negative integers"),
            Arguments.of("{\"a\":{\"dtype\":\"F32\",\"shape\":2,\"data_offsets\":[0,8]}}",
                    "tensor a: \"shape\" is not an array of non-negative integers"),
            Arguments.of("{\"a\":{\"dtype\":\"F32\",\"shape\":[\"2\"],\"data_offsets\":[0,8]}}",
                    "tensor a: \"shape\" is not an array of non-negative integers"),
            Arguments.of("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8,8]}}",
                    "tensor a: \"data_offsets\" is not an array of 2 non-negative integers"),
            Arguments.of("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8]}}",
                    "tensor a: \"data_offsets\" is not an array of 2 non-negative integers"),
            Arguments.of("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],"
                    + "\"data_offsets\":[0,99999999999999999999]}}",
                    "tensor a: \"data_offsets\" value 99999999999999999999 is too large"),
            Arguments.of("{\"__metadata__\":{\"epoch\":1},\"a\":" + ok + "}",
                    "__metadata__ value of \"epoch\" is the number 1, not a string"),
            Arguments.of("{\"__metadata__\":{\"epoch\":{}},\"a\":" + ok + "}",
                    "__metadata__ value of \"epoch\" is an object, not a string"),
            Arguments.of("{\"__metadata__\":[\"x\"],\"a\":" + ok + "}",
                    "__metadata__ is not a JSON object"));
    }

    @ParameterizedTest
    @MethodSource("malformedHeaders")
    void rejectsMalformedHeaders(String header, String problem) throws IOException {
        assertRejected(file(header, 8), problem);
    }

    @Test
    void rejectsOffsetsThatDoNotStartAtZero() throws IOException {
        assertRejected(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12),
                "tensor a: data_offsets [4, 12] do not start at 0");
    }

    @Test
    void rejectsOffsetsWithGapsOrOverlaps() throws IOException {
        assertRejected(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                        + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}", 12),
                "tensor b: data_offsets [8, 12] do not start where the previous tensor ends (4)");
        assertRejected(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                        + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12),
                "tensor b: data_offsets [4, 12] do not start where the previous tensor ends (8)");
    }

    @Test
    void rejectsOffsetsThatEndBeforeTheyBegin() throws IOException {
        assertRejected(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                        + "\"b\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4,0]}}", 4),
                "tensor b: data_offsets [4, 0] end before they begin");
    }

    @Test
    void rejectsOffsetsThatDoNotMatchShapeAndDtype() throws IOException {
        String message = rejected(file(
                "{\"fc.weight\":{\"dtype\":\"F32\",\"shape\":[3,3],\"data_offsets\":[0,40]}}", 40))
                .getMessage();
        assertTrue(message.endsWith(": tensor fc.weight: data_offsets [0, 40] do not match "
                + "shape [3, 3] of F32 (36 bytes)"), message);
        assertRejected(file("{\"a\":{\"dtype\":\"F64\",\"shape\":[],\"data_offsets\":[0,4]}}", 4),
                "tensor a: data_offsets [0, 4] do not match shape [] of F64 (8 bytes)");
        assertRejected(file("{\"a\":{\"dtype\":\"BF16\",\"shape\":[2,0],\"data_offsets\":[0,2]}}", 2),
                "do not match shape [2, 0] of BF16 (0 bytes)");
    }

    @Test
    void rejectsShapesWhoseSizeOverflows() throws IOException {
        assertRejected(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904,4],"
                        + "\"data_offsets\":[0,4]}}", 4),
                "tensor a: shape [4611686018427387904, 4] of F32 has too many elements");
        assertRejected(file("{\"a\":{\"dtype\":\"U64\",\"shape\":[1152921504606846976],"
                        + "\"data_offsets\":[0,4]}}", 4),
                "has too many elements");
    }

    @Test
    void rejectsSubByteTensorsThatEndMidByte() throws IOException {
        assertRejected(file("{\"a\":{\"dtype\":\"F4\",\"shape\":[3],\"data_offsets\":[0,2]}}", 2),
                "tensor a: shape [3] of F4 is 12 bits, not a whole number of bytes");
    }

    @Test
    void rejectsTrailingBytes() throws IOException {
        assertRejected(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 9),
                "trailing bytes: the tensors end at byte 70 but the file has 71");
        assertRejected(file("{}", 1), "trailing bytes");
    }

    @Test
    void rejectsTruncatedData() throws IOException {
        assertRejected(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 7),
                "file is truncated: the tensors need 8 bytes after the header, but 7 remain");
    }

    @Test
    void rejectsHugeOffsetsBeforeAllocating() throws IOException {
        // Consistent with its shape, but far larger than the file: no 4 GB array may be allocated.
        assertRejected(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1073741824],"
                        + "\"data_offsets\":[0,4294967296]}}", 8),
                "the tensors need 4294967296 bytes after the header, but 8 remain");
    }

    @Test
    void acceptsWhatTheReferenceReaderAccepts() throws IOException {
        // Leading whitespace, __metadata__ anywhere or null, unknown fields, entries out of order,
        // every dtype (including packed ones ending on a byte), empty and scalar tensors.
        String header = " {\"b\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[2,10],\"x\":[{}]},"
                + "\"__metadata__\":null,"
                + "\"a\":{\"data_offsets\":[0,1],\"shape\":[2],\"dtype\":\"F4\"},"
                + "\"e\":{\"dtype\":\"C64\",\"shape\":[0,5],\"data_offsets\":[1,1]},"
                + "\"c\":{\"dtype\":\"F8_E8M0\",\"shape\":[1,1],\"data_offsets\":[1,2]}} \n";
        Path path = dir.resolve("ok.safetensors");
        byte[] contents = file(header, 10);
        contents[contents.length - 10] = 0x21;
        contents[contents.length - 1] = 0x7f;
        Files.write(path, contents);

        SafetensorsFile file = Safetensors.read(path);
        assertEquals(List.of("a", "e", "c", "b"), file.names());
        assertEquals(Map.of(), file.metadata());
        assertEquals(Dtype.F4, file.dtype("a"));
        assertEquals(Dtype.C64, file.dtype("e"));
        assertArrayEquals(new long[] {0, 5}, file.shape("e"));
        assertArrayEquals(new long[0], file.shape("b"));
        assertEquals(0x21, file.data("a").get(0));
        assertEquals(0x7f00000000000000L, file.data("b").getLong(0));
    }

    @Test
    void acceptsAFileWithNoTensors() throws IOException {
        Path path = dir.resolve("empty.safetensors");
        Files.write(path, file("{}      ", 0));
        SafetensorsFile file = Safetensors.read(path);
        assertEquals(List.of(), file.names());
        assertEquals(Map.of(), file.metadata());
    }
}
