package dev.kiln.data;

import java.io.IOException;

/**
 * A data file that cannot be read as the format it claims to be, or whose contents do not fit what
 * was asked of it (a truncated IDX file, a non-numeric CSV cell, a label outside the class range).
 * The message names the file and the position of the problem, e.g. {@code "iris.csv: line 12,
 * column 3: 'x' is not a number"}.
 */
public class DataFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    private final String source;
    private final String position;

    /**
     * @param source the file (or stream) name, as the user would recognise it
     * @param position where in the source the problem is, e.g. {@code "byte 16"} or {@code "line 3,
     *     column 2"}
     * @param detail what is wrong
     */
    public DataFormatException(String source, String position, String detail) {
        this(source, position, detail, null);
    }

    /** As {@link #DataFormatException(String, String, String)}, caused by {@code cause}. */
    public DataFormatException(String source, String position, String detail, Throwable cause) {
        super(source + ": " + position + ": " + detail, cause);
        this.source = source;
        this.position = position;
    }

    /** The file or stream name the problem was found in. */
    public String source() {
        return source;
    }

    /** Where in {@link #source()} the problem is. */
    public String position() {
        return position;
    }
}
