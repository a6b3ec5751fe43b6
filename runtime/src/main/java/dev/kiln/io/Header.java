package dev.kiln.io;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON header of a safetensors file: decoding and validating it exactly as the reference reader
 * does, and encoding it exactly as the reference writer does.
 */
final class Header {
    static final String METADATA_KEY = "__metadata__";

    /** One header entry; {@code begin} and {@code end} are byte offsets into the data section. */
    record Entry(String name, Dtype dtype, long[] shape, long begin, long end) {
        long byteLength() {
            return end - begin;
        }
    }

    final Map<String, String> metadata;
    /** Entries in data order (by offsets), which is also the order the reference reader lists. */
    final List<Entry> entries;
    /** Bytes the entries cover: the data section must be exactly this long. */
    final long dataLength;

    private Header(Map<String, String> metadata, List<Entry> entries, long dataLength) {
        this.metadata = metadata;
        this.entries = entries;
        this.dataLength = dataLength;
    }

    /**
     * Decodes and validates header bytes: UTF-8, JSON, the structure of every entry, and offsets
     * that start at 0, chain contiguously and match each shape and dtype.
     */
    static Header decode(Path file, byte[] bytes) throws SafetensorsException {
        Object json;
        try {
            json = Json.parse(decodeUtf8(file, bytes));
        } catch (Json.SyntaxException e) {
            throw new SafetensorsException(file, "header is not valid JSON: " + e.getMessage());
        }
        if (!(json instanceof Map<?, ?> root)) {
            throw new SafetensorsException(file, "header is not a JSON object");
        }
        Map<String, String> metadata = Map.of();
        List<Entry> entries = new ArrayList<>(root.size());
        for (Map.Entry<?, ?> member : root.entrySet()) {
            String name = (String) member.getKey();
            if (name.equals(METADATA_KEY)) {
                metadata = metadata(file, member.getValue());
            } else {
                entries.add(entry(file, name, member.getValue()));
            }
        }
        // The reference reader orders by offsets whatever the order in the JSON text.
        entries.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long expectedBegin = 0;
        for (Entry entry : entries) {
            checkOffsets(file, entry, expectedBegin);
            expectedBegin = entry.end();
        }
        return new Header(metadata, Collections.unmodifiableList(entries), expectedBegin);
    }

    private static String decodeUtf8(Path file, byte[] bytes) throws SafetensorsException {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length); // UTF-8 never needs more chars than bytes
        CoderResult result = decoder.decode(in, out, true);
        if (!result.isError()) {
            result = decoder.flush(out);
        }
        if (result.isError()) {
            throw new SafetensorsException(
                    file, "header is not valid UTF-8 (at byte " + in.position() + " of the header)");
        }
        return out.flip().toString();
    }

    private static Map<String, String> metadata(Path file, Object value)
            throws SafetensorsException {
        if (value == Json.NULL) { // serde reads null as "no metadata"
            return Map.of();
        }
        if (!(value instanceof Map<?, ?> members)) {
            throw new SafetensorsException(file, METADATA_KEY + " is not a JSON object");
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Map.Entry<?, ?> member : members.entrySet()) {
            if (!(member.getValue() instanceof String text)) {
                throw new SafetensorsException(file, METADATA_KEY + " value of "
                        + Json.quote((String) member.getKey()) + " is "
                        + Json.describe(member.getValue()) + ", not a string");
            }
            metadata.put((String) member.getKey(), text);
        }
        return Collections.unmodifiableMap(metadata);
    }

    private static Entry entry(Path file, String name, Object value) throws SafetensorsException {
        String where = "tensor " + name + ": ";
        if (!(value instanceof Map<?, ?> fields)) {
            throw new SafetensorsException(file, where + "entry is not a JSON object");
        }
        // Fields other than these three are ignored, as the reference reader ignores them.
        Object dtypeValue = fields.get("dtype");
        if (!(dtypeValue instanceof String dtypeName)) {
            throw new SafetensorsException(file, where + (dtypeValue == null
                    ? "missing \"dtype\"" : "\"dtype\" is not a string"));
        }
        Dtype dtype = Dtype.fromHeader(dtypeName);
        if (dtype == null) {
            throw new SafetensorsException(file, where + "unknown dtype " + Json.quote(dtypeName));
        }
        long[] shape = integers(file, where, "shape", fields.get("shape"), -1);
        long[] offsets = integers(file, where, "data_offsets", fields.get("data_offsets"), 2);
        return new Entry(name, dtype, shape, offsets[0], offsets[1]);
    }

    /** A JSON array of non-negative integers, of length {@code length} unless that is -1. */
    private static long[] integers(Path file, String where, String field, Object value, int length)
            throws SafetensorsException {
        String expected = length < 0
                ? "an array of non-negative integers"
                : "an array of " + length + " non-negative integers";
        if (value == null) {
            throw new SafetensorsException(file, where + "missing \"" + field + "\"");
        }
        if (!(value instanceof List<?> list) || (length >= 0 && list.size() != length)) {
            throw new SafetensorsException(file, where + "\"" + field + "\" is not " + expected);
        }
        long[] result = new long[list.size()];
        for (int i = 0; i < result.length; i++) {
            long n = -1;
            if (list.get(i) instanceof Json.Number number) {
                try {
                    n = number.nonNegativeInteger();
                } catch (ArithmeticException e) {
                    throw new SafetensorsException(file, where + "\"" + field + "\" value "
                            + number.literal() + " is too large");
                }
            }
            if (n < 0) {
                throw new SafetensorsException(file, where + "\"" + field + "\" is not " + expected);
            }
            result[i] = n;
        }
        return result;
    }

    private static void checkOffsets(Path file, Entry entry, long expectedBegin)
            throws SafetensorsException {
        String where = "tensor " + entry.name() + ": data_offsets [" + entry.begin() + ", "
                + entry.end() + "] ";
        if (entry.begin() != expectedBegin) {
            throw new SafetensorsException(file, where + (expectedBegin == 0
                    ? "do not start at 0 (the first tensor's data must)"
                    : "do not start where the previous tensor ends (" + expectedBegin + ")"));
        }
        if (entry.end() < entry.begin()) {
            throw new SafetensorsException(file, where + "end before they begin");
        }
        String layout = "shape " + Arrays.toString(entry.shape()) + " of " + entry.dtype();
        long bits;
        try {
            long count = 1;
            for (long dim : entry.shape()) {
                count = Math.multiplyExact(count, dim);
            }
            bits = Math.multiplyExact(count, entry.dtype().bits());
        } catch (ArithmeticException e) {
            throw new SafetensorsException(file, "tensor " + entry.name() + ": " + layout
                    + " has too many elements");
        }
        if (bits % 8 != 0) {
            throw new SafetensorsException(file, "tensor " + entry.name() + ": " + layout
                    + " is " + bits + " bits, not a whole number of bytes");
        }
        if (entry.byteLength() != bits / 8) {
            throw new SafetensorsException(file, where + "do not match " + layout + " ("
                    + bits / 8 + " bytes)");
        }
    }

    /**
     * The header the reference writer produces for these F32 tensors, already in its order (see
     * {@link #writerOrder}): compact JSON, {@code __metadata__} first when there is any, each entry
     * as {@code {"dtype":..,"shape":..,"data_offsets":..}}, padded with spaces to a multiple of 8.
     */
    static byte[] encode(List<FloatTensor> ordered, Map<String, String> metadata) {
        StringBuilder json = new StringBuilder("{");
        if (!metadata.isEmpty()) {
            json.append(Json.quote(METADATA_KEY)).append(":{");
            String separator = "";
            for (Map.Entry<String, String> entry : metadata.entrySet()) {
                json.append(separator).append(Json.quote(entry.getKey())).append(':')
                        .append(Json.quote(entry.getValue()));
                separator = ",";
            }
            json.append('}');
        }
        long offset = 0;
        for (FloatTensor tensor : ordered) {
            if (json.length() > 1) {
                json.append(',');
            }
            long end = offset + (long) tensor.elementCount() * Float.BYTES;
            json.append(Json.quote(tensor.name())).append(":{\"dtype\":\"F32\",\"shape\":[");
            long[] shape = tensor.shapeView();
            for (int i = 0; i < shape.length; i++) {
                json.append(i == 0 ? "" : ",").append(shape[i]);
            }
            json.append("],\"data_offsets\":[").append(offset).append(',').append(end).append("]}");
            offset = end;
        }
        byte[] unpadded = json.append('}').toString().getBytes(StandardCharsets.UTF_8);
        byte[] padded = Arrays.copyOf(unpadded, (unpadded.length + 7) & ~7);
        Arrays.fill(padded, unpadded.length, padded.length, (byte) ' ');
        return padded;
    }

    /**
     * The reference writer's order: descending dtype alignment, then name by UTF-8 bytes (Rust's
     * string order). All Kiln tensors are F32, so it is the name order; comparing code points equals
     * comparing UTF-8 bytes, whereas {@link String#compareTo} compares UTF-16 units and would
     * misplace characters above U+FFFF.
     */
    static int writerOrder(FloatTensor a, FloatTensor b) {
        String x = a.name();
        String y = b.name();
        int i = 0;
        int j = 0;
        while (i < x.length() && j < y.length()) {
            int cx = x.codePointAt(i);
            int cy = y.codePointAt(j);
            if (cx != cy) {
                return Integer.compare(cx, cy);
            }
            i += Character.charCount(cx);
            j += Character.charCount(cy);
        }
        return Boolean.compare(i < x.length(), j < y.length());
    }

    /** Rejects strings UTF-8 cannot encode (unpaired surrogates), which would be silently mangled. */
    static void checkEncodable(String what, String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length()
                    && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new IllegalArgumentException(
                        what + " " + Json.quote(s) + " has an unpaired surrogate at index " + i);
            }
        }
    }
}
