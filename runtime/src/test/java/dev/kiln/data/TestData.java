package dev.kiln.data;

import java.net.URISyntaxException;
import java.nio.file.Path;

/** Locates the committed fixtures under {@code src/test/resources/data}. */
final class TestData {
    private TestData() {}

    static Path resource(String name) {
        var url = TestData.class.getResource("/data/" + name);
        if (url == null) {
            throw new IllegalStateException("missing test resource data/" + name);
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
