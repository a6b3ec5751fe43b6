package dev.kiln.io;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A safetensors file that is malformed, or does not hold what its reader asked for. The message
 * starts with the file and says what is wrong, e.g. {@code "model.safetensors: tensor fc.weight:
 * data_offsets [0, 40] do not match shape [3, 3] of F32 (36 bytes)"}.
 */
public final class SafetensorsException extends IOException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;

    /**
     * @param file the file concerned
     * @param problem what is wrong with it, without the file name
     */
    public SafetensorsException(Path file, String problem) {
        super(file + ": " + problem);
        this.file = file;
    }

    /** The file concerned. */
    public Path file() {
        return file;
    }
}
