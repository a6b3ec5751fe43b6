package dev.kiln.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class JsonTest {

    @Test
    void parsesNestedValuesKeepingKeyOrder() throws Exception {
        Object parsed = Json.parse(" {\"b\":[1,-2.5e+3,true,false,null],\"a\":{\"x\":\"y\"}}\n\t\r ");
        Map<?, ?> root = (Map<?, ?>) parsed;
        assertEquals(List.of("b", "a"), List.copyOf(root.keySet()));
        List<?> b = (List<?>) root.get("b");
        assertEquals(new Json.Number("1"), b.get(0));
        assertEquals(new Json.Number("-2.5e+3"), b.get(1));
        assertEquals(Boolean.TRUE, b.get(2));
        assertEquals(Boolean.FALSE, b.get(3));
        assertSame(Json.NULL, b.get(4));
        assertEquals(Map.of("x", "y"), root.get("a"));
    }

    @Test
    void decodesEveryEscape() throws Exception {
        assertEquals("\"\\/\b\f\n\r\t\u00e9\ud83d\ude00A",
                Json.parse("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00E9\\ud83d\\uDE00\\u0041\""));
    }

    @Test
    void keepsNonAsciiLiterally() throws Exception {
        assertEquals("gewichte.\u00fc.\ud83d\ude00", Json.parse("\"gewichte.\u00fc.\ud83d\ude00\""));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "{\"a\":1,}                | unexpected '}', expected a string key",
        "[1,]                      | unexpected ']', expected a value",
        "{'a':1}                   | expected a string key",
        "{\"a\":1} // c            | after the JSON value",
        "{\"a\":NaN}               | unexpected 'N', expected a value",
        "{\"a\":Infinity}          | unexpected 'I', expected a value",
        "{\"a\":01}                | leading zero",
        "{\"a\":-}                 | expected a digit",
        "{\"a\":1.}                | expected a digit after the decimal point",
        "{\"a\":1e}                | expected a digit in the exponent",
        "{\"a\":+1}                | unexpected '+'",
        "{\"a\":tru}               | expected a value",
        "{\"a\":1 \"b\":2}         | expected ',' or '}'",
        "{\"a\" 1}                 | expected ':'",
        "{\"a\":\"x}               | unterminated string",
        "{\"a\":\"\\x\"}           | invalid escape \\x",
        "{\"a\":\"\\u12G4\"}       | invalid hex digit 'G'",
        "{\"a\":\"\\ud800\"}       | unpaired surrogate escape \\uD800",
        "{\"a\":\"\\udc00\\ud800\"} | unpaired surrogate escape \\uDC00",
        "{\"a\":\"\\ud800\\u0041\"} | unpaired surrogate escape \\uD800",
        "{\"a\":1,\"a\":2}         | duplicate key \"a\"",
        "``                        | unexpected end of input",
        "{}}                       | unexpected '}' after the JSON value",
    })
    void rejectsWhatSerdeJsonRejects(String text, String message) {
        Json.SyntaxException e = assertThrows(Json.SyntaxException.class, () -> Json.parse(text));
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"\u0000", "\n", "\u001f"})
    void rejectsRawControlCharactersInStrings(String control) {
        Json.SyntaxException e = assertThrows(Json.SyntaxException.class,
                () -> Json.parse("\"a" + control + "b\""));
        assertTrue(e.getMessage().contains("control character"), e.getMessage());
    }

    @Test
    void limitsNesting() throws Exception {
        String deepest = "[".repeat(Json.MAX_DEPTH) + "]".repeat(Json.MAX_DEPTH);
        Json.parse(deepest);
        String tooDeep = "[".repeat(Json.MAX_DEPTH + 1) + "]".repeat(Json.MAX_DEPTH + 1);
        Json.SyntaxException e = assertThrows(Json.SyntaxException.class, () -> Json.parse(tooDeep));
        assertTrue(e.getMessage().contains("nesting deeper than 128"), e.getMessage());
        // Far beyond any stack: must still fail cleanly rather than overflow.
        assertThrows(Json.SyntaxException.class, () -> Json.parse("{\"a\":" + "[".repeat(1_000_000)));
    }

    @Test
    void readsIntegersForShapesAndOffsets() {
        assertEquals(0, new Json.Number("0").nonNegativeInteger());
        assertEquals(Long.MAX_VALUE, new Json.Number("9223372036854775807").nonNegativeInteger());
        assertEquals(-1, new Json.Number("-1").nonNegativeInteger());
        assertEquals(-1, new Json.Number("3.0").nonNegativeInteger());
        assertEquals(-1, new Json.Number("1e2").nonNegativeInteger());
        assertThrows(ArithmeticException.class,
                () -> new Json.Number("9223372036854775808").nonNegativeInteger());
    }

    @Test
    void quotesLikeSerdeJson() throws Exception {
        String raw = "q\"b\\s/\b\t\n\f\r\u0001\u001f\u007f\u00e9\ud83d\ude00";
        String quoted = Json.quote(raw);
        assertEquals("\"q\\\"b\\\\s/\\b\\t\\n\\f\\r\\u0001\\u001f\u007f\u00e9\ud83d\ude00\"", quoted);
        assertEquals(raw, Json.parse(quoted));
    }
}
