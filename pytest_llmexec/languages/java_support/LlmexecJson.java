// pytest-llmexec: writes a Java value as one line of JSON, so that the harness reads it back.
//
// LlmexecJson.print(value) writes the value and a newline to System.out. Lists, sets, arrays
// and javatuples tuples (they are Iterable) are arrays; maps are objects whose keys are the
// keys' JSON text (7 -> "7"); Optional is null or its value; floating-point numbers are
// Java's shortest text that reads back the same (NaN, Infinity, -Infinity as Python's json
// reads them).

import java.lang.reflect.Array;
import java.util.Map;
import java.util.Optional;

public final class LlmexecJson {
    private LlmexecJson() {}

    public static void print(Object value) {
        StringBuilder out = new StringBuilder();
        write(out, value);
        System.out.println(out);
        System.out.flush();
    }

    static void write(StringBuilder out, Object value) {
        if (value == null) {
            out.append("null");
        } else if (value instanceof Boolean || value instanceof Integer || value instanceof Long
                || value instanceof Short || value instanceof Byte
                || value instanceof java.math.BigInteger) {
            out.append(value);
        } else if (value instanceof Double || value instanceof Float) {
            double number = ((Number) value).doubleValue();
            if (Double.isNaN(number)) {
                out.append("NaN");
            } else if (Double.isInfinite(number)) {
                out.append(number < 0 ? "-Infinity" : "Infinity");
            } else {
                out.append(value); // Float.toString / Double.toString: shortest round trip
            }
        } else if (value instanceof String || value instanceof Character) {
            string(out, value.toString());
        } else if (value instanceof Optional) {
            write(out, ((Optional<?>) value).orElse(null));
        } else if (value instanceof Map) {
            out.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> entry : ((Map<?, ?>) value).entrySet()) {
                if (!first) {
                    out.append(", ");
                }
                first = false;
                StringBuilder key = new StringBuilder();
                write(key, entry.getKey());
                if (key.length() > 0 && key.charAt(0) == '"') {
                    out.append(key);
                } else {
                    string(out, key.toString());
                }
                out.append(": ");
                write(out, entry.getValue());
            }
            out.append('}');
        } else if (value instanceof Iterable) {
            out.append('[');
            boolean first = true;
            for (Object item : (Iterable<?>) value) {
                if (!first) {
                    out.append(", ");
                }
                first = false;
                write(out, item);
            }
            out.append(']');
        } else if (value.getClass().isArray()) {
            out.append('[');
            for (int i = 0; i < Array.getLength(value); i++) {
                if (i > 0) {
                    out.append(", ");
                }
                write(out, Array.get(value, i));
            }
            out.append(']');
        } else {
            throw new IllegalArgumentException(
                    "cannot write a " + value.getClass().getName() + " as JSON");
        }
    }

    private static void string(StringBuilder out, String text) {
        out.append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c == '\n') {
                out.append("\\n");
            } else if (c == '\t') {
                out.append("\\t");
            } else if (c < 0x20 || c == 0x7f) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c); // surrogate pairs stay pairs: UTF-8 on the way out
            }
        }
        out.append('"');
    }
}
