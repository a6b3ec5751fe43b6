package dev.kiln.train;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads the {@code __metadata__} string map of a safetensors file: an 8-byte little-endian header
 * length, then a JSON object. Only the metadata is decoded; tensor entries are skipped.
 */
final class CheckpointMetadata {
    /** Safetensors caps headers at 100 MB. */
    private static final long MAX_HEADER_BYTES = 100_000_000;

    private final String json;
    private final Path source;
    private int at;

    private CheckpointMetadata(String json, Path source) {
        this.json = json;
        this.source = source;
    }

    static Map<String, String> read(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer length = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(channel, length, file);
            long headerBytes = length.flip().getLong();
            if (headerBytes < 2 || headerBytes > MAX_HEADER_BYTES || headerBytes > channel.size() - 8) {
                throw new IOException(file + " is not a safetensors file: header length " + headerBytes);
            }
            ByteBuffer header = ByteBuffer.allocate((int) headerBytes);
            readFully(channel, header, file);
            return new CheckpointMetadata(new String(header.array(), StandardCharsets.UTF_8), file).parse();
        }
    }

    private static void readFully(FileChannel channel, ByteBuffer buffer, Path file) throws IOException {
        while (buffer.hasRemaining()) {
            if (channel.read(buffer) < 0) {
                throw new IOException(file + " is truncated");
            }
        }
    }

    private Map<String, String> parse() throws IOException {
        Map<String, String> metadata = Map.of();
        expect('{');
        if (!peek('}')) {
            do {
                String key = string();
                expect(':');
                if (key.equals("__metadata__")) {
                    metadata = stringMap();
                } else {
                    skipValue();
                }
            } while (peek(',') && expect(','));
        }
        expect('}');
        return metadata;
    }

    private Map<String, String> stringMap() throws IOException {
        Map<String, String> map = new LinkedHashMap<>();
        expect('{');
        if (!peek('}')) {
            do {
                String key = string();
                expect(':');
                map.put(key, string());
            } while (peek(',') && expect(','));
        }
        expect('}');
        return map;
    }

    private void skipValue() throws IOException {
        skipWhitespace();
        char c = current();
        if (c == '"') {
            string();
        } else if (c == '{' || c == '[') {
            char close = c == '{' ? '}' : ']';
            expect(c);
            if (!peek(close)) {
                do {
                    if (close == '}') {
                        string();
                        expect(':');
                    }
                    skipValue();
                } while (peek(',') && expect(','));
            }
            expect(close);
        } else {
            int start = at;
            while (at < json.length() && "-+.eE0123456789truefalsn".indexOf(json.charAt(at)) >= 0) {
                at++;
            }
            if (at == start) {
                throw malformed("unexpected '" + c + "'");
            }
        }
    }

    private String string() throws IOException {
        expect('"');
        StringBuilder out = new StringBuilder();
        while (true) {
            char c = current();
            at++;
            if (c == '"') {
                return out.toString();
            }
            if (c != '\\') {
                out.append(c);
                continue;
            }
            char escaped = current();
            at++;
            switch (escaped) {
                case '"', '\\', '/' -> out.append(escaped);
                case 'b' -> out.append('\b');
                case 'f' -> out.append('\f');
                case 'n' -> out.append('\n');
                case 'r' -> out.append('\r');
                case 't' -> out.append('\t');
                case 'u' -> {
                    if (at + 4 > json.length()) {
                        throw malformed("truncated \\u escape");
                    }
                    try {
                        out.append((char) Integer.parseInt(json.substring(at, at + 4), 16));
                    } catch (NumberFormatException e) {
                        throw malformed("bad \\u escape");
                    }
                    at += 4;
                }
                default -> throw malformed("bad escape \\" + escaped);
            }
        }
    }

    private boolean peek(char c) throws IOException {
        skipWhitespace();
        return at < json.length() && json.charAt(at) == c;
    }

    private boolean expect(char c) throws IOException {
        skipWhitespace();
        if (current() != c) {
            throw malformed("expected '" + c + "'");
        }
        at++;
        return true;
    }

    private char current() throws IOException {
        if (at >= json.length()) {
            throw malformed("unexpected end");
        }
        return json.charAt(at);
    }

    private void skipWhitespace() {
        while (at < json.length() && Character.isWhitespace(json.charAt(at))) {
            at++;
        }
    }

    private IOException malformed(String detail) {
        return new IOException(source + ": malformed safetensors header at offset " + at + ": " + detail);
    }
}
