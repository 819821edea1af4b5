package dev.molt.accel.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Manifest errors name the file and the position or field, never the file's text. */
class ManifestErrorsTest {

    private static final String SECRET = "s3cr3t-Hash-Xq9";

    @Test
    void aFileOfSecretsIsNotEchoed(@TempDir Path dir) throws Exception {
        Path shadow = dir.resolve("shadow");
        Files.writeString(shadow, "root:$6$" + SECRET + ":19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n");
        Throwable t = catchThrowable(() -> ExportsManifest.load(shadow));
        assertThat(t).isInstanceOf(IllegalArgumentException.class).hasNoCause();
        assertThat(t.getMessage()).contains(shadow.toString()).contains("line 1, column")
                .doesNotContain(SECRET).doesNotContain("daemon").doesNotContain("99999");
    }

    @Test
    void badFieldsNameThePositionNotTheValue() {
        byte[] json = ("{\"exports\": [{\"name\": \"ok\"}, {\"name\": \"" + SECRET + "\", \"codec_in\": \"" + SECRET
                + "x\"}]}").getBytes(StandardCharsets.UTF_8);
        Throwable t = catchThrowable(() -> ExportsManifest.parse(json, "m.json"));
        assertThat(t).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Exports manifest m.json: exports[1].codec_in must be one of msgpack, json, raw, arrow_ipc");
        byte[] truncated = ("{\"exports\": [\"" + SECRET).getBytes(StandardCharsets.UTF_8);
        assertThat(catchThrowable(() -> ExportsManifest.parse(truncated, "m.json")))
                .isInstanceOf(IllegalArgumentException.class).hasNoCause()
                .hasMessageStartingWith("Exports manifest m.json is not valid JSON at line 1")
                .hasMessageNotContaining(SECRET);
    }

    @Test
    void largeFilesAndDevicesAreReadNoFurtherThanTheLimit(@TempDir Path dir) throws Exception {
        Path big = dir.resolve("big.json");
        Files.write(big, new byte[ExportsManifest.MAX_MANIFEST_BYTES + 10]);
        assertThat(catchThrowable(() -> ExportsManifest.load(big))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("larger than");
        Path zero = Path.of("/dev/zero");
        if (Files.isReadable(zero)) {
            assertThat(catchThrowable(() -> ExportsManifest.load(zero))).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("larger than");
        }
        assertThat(catchThrowable(() -> ExportsManifest.load(dir.resolve("missing.json"))))
                .hasMessageEndingWith("missing.json: no such file");
    }

    @Test
    void theDefaultManifestIsUnchanged() {
        assertThat(ExportsManifest.defaults().exports()).extracting(ExportsManifest.Export::name)
                .containsExactly("list_items", "compute", "offload_table", "db_query", "db_exec", "health");
    }
}
