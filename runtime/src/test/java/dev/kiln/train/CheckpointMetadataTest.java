package dev.kiln.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointMetadataTest {
    @TempDir
    Path dir;

    private Path file(String header) throws IOException {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer bytes = ByteBuffer.allocate(8 + json.length + 8).order(ByteOrder.LITTLE_ENDIAN);
        bytes.putLong(json.length).put(json);
        Path file = dir.resolve("f.safetensors");
        Files.write(file, bytes.array());
        return file;
    }

    @Test
    void readsTheMetadataAndSkipsTensors() throws IOException {
        Path file = file("""
                {"a":{"dtype":"F32","shape":[2,1],"data_offsets":[0,8]},
                 "__metadata__":{"train.history":"epoch\\nline \\"q\\" \\u00e9","format":"pt"},
                 "z":{"dtype":"F32","shape":[],"data_offsets":[8,8],"x":[true,false,null,-1.5e3]}}  \
                """);
        assertEquals(Map.of("train.history", "epoch\nline \"q\" \u00e9", "format", "pt"), CheckpointMetadata.read(file));
    }

    @Test
    void aFileWithoutMetadataHasNone() throws IOException {
        assertEquals(Map.of(), CheckpointMetadata.read(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}")));
    }

    @Test
    void rejectsMalformedAndTruncatedFiles() throws IOException {
        assertThrows(IOException.class, () -> CheckpointMetadata.read(file("{\"__metadata__\":{\"a\":1}}")));
        assertThrows(IOException.class, () -> CheckpointMetadata.read(file("{\"__metadata__\":{\"a\":\"b\"}")));
        Path good = file("{\"__metadata__\":{\"a\":\"b\"}}");
        byte[] bytes = Files.readAllBytes(good);
        Files.write(good, Arrays.copyOf(bytes, 20));
        assertThrows(IOException.class, () -> CheckpointMetadata.read(good));
    }
}
