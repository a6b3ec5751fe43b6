package dev.kiln.io;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The strict JSON subset of RFC 8259 that safetensors headers use, read and written the way the
 * reference implementation (Rust's serde_json) does.
 *
 * <p>Values parse to {@link Map} (insertion-ordered, duplicate keys rejected), {@link List},
 * {@link String}, {@link Boolean}, {@link Number} (the literal, validated but not converted) and
 * {@link #NULL}. Rejected, as serde_json rejects them: comments, trailing commas, leading zeros,
 * {@code NaN}, raw control characters in strings, unknown escapes, unpaired surrogate escapes,
 * nesting deeper than {@value #MAX_DEPTH}, and anything but whitespace after the value.
 */
final class Json {
    /** serde_json's default recursion limit; also keeps a hostile header from overflowing the stack. */
    static final int MAX_DEPTH = 128;

    /** JSON {@code null}, distinct from an absent key. */
    static final Object NULL = new Object() {
        @Override
        public String toString() {
            return "null";
        }
    };

    /** A JSON number: its literal text, already checked against the JSON grammar. */
    record Number(String literal) {
        /**
         * The value as a non-negative integer (Rust's {@code usize}), or -1 if it is not written as
         * one: serde_json refuses fractions and exponents for integer fields.
         *
         * @throws ArithmeticException if it is an integer too large for a {@code long}
         */
        long nonNegativeInteger() {
            for (int i = 0; i < literal.length(); i++) {
                char c = literal.charAt(i);
                if (c < '0' || c > '9') {
                    return -1;
                }
            }
            try {
                return Long.parseLong(literal);
            } catch (NumberFormatException e) {
                throw new ArithmeticException(literal + " is too large");
            }
        }
    }

    /** Malformed JSON; the message says what and where (a character index into the text). */
    static final class SyntaxException extends Exception {
        SyntaxException(String message) {
            super(message);
        }
    }

    private final String text;
    private int pos;

    private Json(String text) {
        this.text = text;
    }

    /** Parses a complete JSON text: one value surrounded by optional whitespace. */
    static Object parse(String text) throws SyntaxException {
        Json parser = new Json(text);
        parser.skipWhitespace();
        Object value = parser.value(0);
        parser.skipWhitespace();
        if (parser.pos < text.length()) {
            throw parser.error("unexpected " + parser.describeCurrent() + " after the JSON value");
        }
        return value;
    }

    private Object value(int depth) throws SyntaxException {
        if (pos >= text.length()) {
            throw error("unexpected end of input, expected a value");
        }
        char c = text.charAt(pos);
        switch (c) {
            case '{':
                return object(depth + 1);
            case '[':
                return array(depth + 1);
            case '"':
                return string();
            case 't':
                literal("true");
                return Boolean.TRUE;
            case 'f':
                literal("false");
                return Boolean.FALSE;
            case 'n':
                literal("null");
                return NULL;
            default:
                if (c == '-' || (c >= '0' && c <= '9')) {
                    return number();
                }
                throw error("unexpected " + describeCurrent() + ", expected a value");
        }
    }

    private Map<String, Object> object(int depth) throws SyntaxException {
        checkDepth(depth);
        pos++; // '{'
        Map<String, Object> members = new LinkedHashMap<>();
        skipWhitespace();
        if (peek() == '}') {
            pos++;
            return members;
        }
        while (true) {
            skipWhitespace();
            if (peek() != '"') {
                throw error("unexpected " + describeCurrent() + ", expected a string key");
            }
            int keyStart = pos;
            String key = string();
            skipWhitespace();
            expect(':');
            skipWhitespace();
            Object value = value(depth);
            if (members.putIfAbsent(key, value) != null) {
                pos = keyStart;
                throw error("duplicate key " + quote(key));
            }
            skipWhitespace();
            char c = peek();
            pos++;
            if (c == '}') {
                return members;
            }
            if (c != ',') {
                pos--;
                throw error("unexpected " + describeCurrent() + ", expected ',' or '}'");
            }
        }
    }

    private List<Object> array(int depth) throws SyntaxException {
        checkDepth(depth);
        pos++; // '['
        List<Object> elements = new ArrayList<>();
        skipWhitespace();
        if (peek() == ']') {
            pos++;
            return elements;
        }
        while (true) {
            skipWhitespace();
            elements.add(value(depth));
            skipWhitespace();
            char c = peek();
            pos++;
            if (c == ']') {
                return elements;
            }
            if (c != ',') {
                pos--;
                throw error("unexpected " + describeCurrent() + ", expected ',' or ']'");
            }
        }
    }

    private String string() throws SyntaxException {
        pos++; // opening quote
        StringBuilder out = null; // only needed once an escape appears
        int runStart = pos;
        while (true) {
            if (pos >= text.length()) {
                throw error("unterminated string");
            }
            char c = text.charAt(pos);
            if (c == '"') {
                String run = text.substring(runStart, pos++);
                return out == null ? run : out.append(run).toString();
            }
            if (c < 0x20) {
                throw error("control character U+" + hex4(c) + " in a string");
            }
            if (c != '\\') {
                pos++;
                continue;
            }
            if (out == null) {
                out = new StringBuilder();
            }
            out.append(text, runStart, pos);
            pos++;
            out.append(escape());
            runStart = pos;
        }
    }

    /** Decodes the escape after a backslash; a surrogate pair counts as one escape. */
    private String escape() throws SyntaxException {
        if (pos >= text.length()) {
            throw error("unterminated string");
        }
        char c = text.charAt(pos++);
        switch (c) {
            case '"': return "\"";
            case '\\': return "\\";
            case '/': return "/";
            case 'b': return "\b";
            case 'f': return "\f";
            case 'n': return "\n";
            case 'r': return "\r";
            case 't': return "\t";
            case 'u':
                char unit = hexUnit();
                if (Character.isLowSurrogate(unit)) {
                    pos -= 6;
                    throw error("unpaired surrogate escape \\u" + hex4(unit));
                }
                if (!Character.isHighSurrogate(unit)) {
                    return String.valueOf(unit);
                }
                if (!text.startsWith("\\u", pos)) {
                    pos -= 6;
                    throw error("unpaired surrogate escape \\u" + hex4(unit));
                }
                pos += 2;
                char low = hexUnit();
                if (!Character.isLowSurrogate(low)) {
                    pos -= 12;
                    throw error("unpaired surrogate escape \\u" + hex4(unit));
                }
                return new String(new char[] {unit, low});
            default:
                pos -= 2;
                throw error("invalid escape \\" + c);
        }
    }

    private char hexUnit() throws SyntaxException {
        if (pos + 4 > text.length()) {
            throw error("truncated \\u escape");
        }
        int value = 0;
        for (int i = 0; i < 4; i++) {
            char c = text.charAt(pos);
            int digit = c >= '0' && c <= '9' ? c - '0'
                    : c >= 'a' && c <= 'f' ? c - 'a' + 10
                    : c >= 'A' && c <= 'F' ? c - 'A' + 10
                    : -1;
            if (digit < 0) {
                throw error("invalid hex digit " + describeCurrent() + " in a \\u escape");
            }
            value = value * 16 + digit;
            pos++;
        }
        return (char) value;
    }

    private Number number() throws SyntaxException {
        int start = pos;
        if (peek() == '-') {
            pos++;
        }
        if (peek() == '0') {
            pos++;
            if (isDigit(peek())) {
                throw error("leading zero in a number");
            }
        } else {
            digits("a digit");
        }
        if (peek() == '.') {
            pos++;
            digits("a digit after the decimal point");
        }
        if (peek() == 'e' || peek() == 'E') {
            pos++;
            if (peek() == '+' || peek() == '-') {
                pos++;
            }
            digits("a digit in the exponent");
        }
        return new Number(text.substring(start, pos));
    }

    private void digits(String what) throws SyntaxException {
        if (!isDigit(peek())) {
            throw error("unexpected " + describeCurrent() + ", expected " + what);
        }
        while (isDigit(peek())) {
            pos++;
        }
    }

    private void literal(String word) throws SyntaxException {
        if (!text.startsWith(word, pos)) {
            throw error("unexpected " + describeCurrent() + ", expected a value");
        }
        pos += word.length();
    }

    private void expect(char c) throws SyntaxException {
        if (peek() != c) {
            throw error("unexpected " + describeCurrent() + ", expected '" + c + "'");
        }
        pos++;
    }

    private void checkDepth(int depth) throws SyntaxException {
        if (depth > MAX_DEPTH) {
            throw error("nesting deeper than " + MAX_DEPTH + " levels");
        }
    }

    private void skipWhitespace() {
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                return;
            }
            pos++;
        }
    }

    /** The current character, or 0 at the end (never valid where a token is expected). */
    private char peek() {
        return pos < text.length() ? text.charAt(pos) : 0;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private String describeCurrent() {
        if (pos >= text.length()) {
            return "end of input";
        }
        char c = text.charAt(pos);
        return c >= 0x20 && c < 0x7f ? "'" + c + "'" : "U+" + hex4(c);
    }

    private SyntaxException error(String message) {
        return new SyntaxException(message + " at character " + pos);
    }

    private static String hex4(char c) {
        return String.format("%04X", (int) c);
    }

    /** What kind of JSON value {@code value} is, for error messages. */
    static String describe(Object value) {
        if (value instanceof Map) {
            return "an object";
        }
        if (value instanceof List) {
            return "an array";
        }
        if (value instanceof Number number) {
            return "the number " + number.literal();
        }
        return value instanceof String ? "a string" : String.valueOf(value);
    }

    /**
     * {@code s} as a JSON string literal, escaped exactly as serde_json escapes it: quote, backslash
     * and control characters only ({@code \b \t \n \f \r}, the others as a backslash, {@code u00}
     * and two lowercase hex digits); all other characters, non-ASCII included, stay literal.
     */
    static String quote(String s) {
        StringBuilder out = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\b' -> out.append("\\b");
                case '\t' -> out.append("\\t");
                case '\n' -> out.append("\\n");
                case '\f' -> out.append("\\f");
                case '\r' -> out.append("\\r");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }
}
