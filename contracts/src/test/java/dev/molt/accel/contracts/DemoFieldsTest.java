package dev.molt.accel.contracts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class DemoFieldsTest {

    private static final String MEGABYTE = "1".repeat(1 << 20);

    @Test
    void userIdIsARequiredInteger() {
        assertThat(DemoFields.userId(42)).isEqualTo(42L);
        assertThat(DemoFields.userId("-3")).isEqualTo(-3L);
        assertThat(DemoFields.userId(" 7 ")).isEqualTo(7L);
        assertThat(DemoFields.userId(5.0)).isEqualTo(5L);
        assertThat(DemoFields.userId(BigInteger.valueOf(9))).isEqualTo(9L);
        assertThatThrownBy(() -> DemoFields.userId(null)).isInstanceOf(InvalidFieldException.class)
                .hasMessage("user_id is required");
        assertThatThrownBy(() -> DemoFields.userId("abc")).hasMessage("user_id must be an integer, got 'abc'");
        assertThatThrownBy(() -> DemoFields.userId("1.5")).hasMessage("user_id must be an integer, got '1.5'");
        assertThatThrownBy(() -> DemoFields.userId(1.5)).hasMessage("user_id must be an integer, got 1.5");
        assertThatThrownBy(() -> DemoFields.userId(true)).hasMessage("user_id must be an integer, got a boolean");
        assertThatThrownBy(() -> DemoFields.userId(List.of("1", "2"))).hasMessage("user_id must be an integer, got a list");
        assertThatThrownBy(() -> DemoFields.userId("9223372036854775808")).hasMessage("user_id is out of range");
        assertThatThrownBy(() -> DemoFields.userId(new BigInteger("100000000000000000000")))
                .hasMessage("user_id is out of range");
        assertThatThrownBy(() -> DemoFields.userId(MEGABYTE)).isInstanceOfSatisfying(InvalidFieldException.class, e -> {
            assertThat(e.field()).isEqualTo("user_id");
            assertThat(e.getMessage()).startsWith("user_id is too long").hasSizeLessThan(120);
        });
    }

    @Test
    void limitAndRowsAreClampedAndNonIntegersReadAsTheDefault() {
        assertThat(DemoFields.limit(null)).isEqualTo(50);
        assertThat(DemoFields.limit("12")).isEqualTo(12);
        assertThat(DemoFields.limit(7L)).isEqualTo(7);
        assertThat(DemoFields.limit(2.0)).isEqualTo(2);
        assertThat(DemoFields.limit(0)).isEqualTo(1);
        assertThat(DemoFields.limit(-5)).isEqualTo(1);
        assertThat(DemoFields.limit("501")).isEqualTo(500);
        assertThat(DemoFields.limit(Long.MAX_VALUE)).isEqualTo(500);
        assertThat(DemoFields.limit("-9223372036854775808")).isEqualTo(1);
        assertThat(DemoFields.limit("abc")).isEqualTo(50);
        assertThat(DemoFields.limit("3.5")).isEqualTo(50);
        assertThat(DemoFields.limit(3.5)).isEqualTo(50);
        assertThat(DemoFields.limit(true)).isEqualTo(50);
        assertThat(DemoFields.limit(List.of("1", "2"))).isEqualTo(50);
        assertThat(DemoFields.rows(null)).isEqualTo(10_000);
        assertThat(DemoFields.rows("123")).isEqualTo(123);
        assertThat(DemoFields.rows("60000")).isEqualTo(50_000);
        assertThat(DemoFields.rows(0)).isEqualTo(1);
        assertThat(DemoFields.rows("lots")).isEqualTo(10_000);
    }

    @Test
    void overlongOrOutOfRangeIntegersAreRefusedNotDefaulted() {
        // a default must not hide an attack and the clamp must not be skipped
        assertThatThrownBy(() -> DemoFields.rows(MEGABYTE)).isInstanceOf(InvalidFieldException.class)
                .hasMessageStartingWith("rows is too long");
        assertThatThrownBy(() -> DemoFields.limit("1".repeat(20))).hasMessageStartingWith("limit is too long");
        assertThatThrownBy(() -> DemoFields.limit("9999999999999999999")).hasMessage("limit is out of range");
        assertThatThrownBy(() -> DemoFields.limit(new BigInteger("100000000000000000000")))
                .hasMessage("limit is out of range");
        assertThatThrownBy(() -> DemoFields.rows(1e30)).hasMessage("rows is out of range");
        assertThatThrownBy(() -> DemoFields.rows("x".repeat(65))).hasMessageStartingWith("rows is too long");
    }

    @Test
    void valuesFromACommaSeparatedStringOrAList() {
        assertThat(DemoFields.values(null)).isEmpty();
        assertThat(DemoFields.values("")).isEmpty();
        assertThat(DemoFields.values("  ")).isEmpty();
        assertThat(DemoFields.values("1, 2,3e1")).containsExactly(1.0, 2.0, 30.0);
        assertThat(DemoFields.values(" 1.5 , -.5 ")).containsExactly(1.5, -0.5);
        assertThat(DemoFields.values(List.of(1, 2.5, "3", new BigDecimal("0.25")))).containsExactly(1.0, 2.5, 3.0, 0.25);
        assertThat(DemoFields.values(List.of())).isEmpty();
        assertThatThrownBy(() -> DemoFields.values("1,,2")).hasMessage("values[1] is not a number: ''");
        assertThatThrownBy(() -> DemoFields.values("1,")).hasMessage("values[1] is not a number: ''");
        assertThatThrownBy(() -> DemoFields.values("1,x")).hasMessage("values[1] is not a number: 'x'");
        assertThatThrownBy(() -> DemoFields.values("NaN")).hasMessage("values[0] is not a number: 'NaN'");
        assertThatThrownBy(() -> DemoFields.values("1,Infinity")).hasMessage("values[1] is not a number: 'Infinity'");
        assertThatThrownBy(() -> DemoFields.values("1e999")).hasMessage("values[0] is out of range");
        assertThatThrownBy(() -> DemoFields.values(List.of(1, "x"))).hasMessage("values[1] is not a number: 'x'");
        assertThatThrownBy(() -> DemoFields.values(List.of(true))).hasMessage("values[0] is not a number: a boolean");
        assertThatThrownBy(() -> DemoFields.values(List.of(Double.NaN))).hasMessage("values[0] is out of range");
        assertThatThrownBy(() -> DemoFields.values(Map.of())).isInstanceOfSatisfying(InvalidFieldException.class,
                e -> assertThat(e.field()).isEqualTo("values"));
        assertThatThrownBy(() -> DemoFields.values(7)).hasMessageContaining("got 7");
    }

    @Test
    void messagesQuoteAtMostFortyCharacters() {
        String junk = "y".repeat(100_000);
        assertThatThrownBy(() -> DemoFields.values("1," + junk + ",2"))
                .hasMessage("values[1] is too long (a number has at most 64 characters, an integer at most 19 digits)");
        assertThatThrownBy(() -> DemoFields.values("1," + "y".repeat(50)))
                .hasMessage("values[1] is not a number: '" + "y".repeat(40) + "...'");
        assertThatThrownBy(() -> DemoFields.userId("z".repeat(50)))
                .hasMessage("user_id must be an integer, got '" + "z".repeat(40) + "...'");
        assertThatThrownBy(() -> DemoFields.optionalString("q", new BigDecimal("1" + "0".repeat(500))))
                .hasMessage("q must be a string, got " + "1" + "0".repeat(39) + "...");
    }

    @Test
    void scaleAndOffsetAreNumbers() {
        assertThat(DemoFields.scale(null)).isEqualTo(1.0);
        assertThat(DemoFields.scale(" ")).isEqualTo(1.0);
        assertThat(DemoFields.scale("2")).isEqualTo(2.0);
        assertThat(DemoFields.scale(2)).isEqualTo(2.0);
        assertThat(DemoFields.offset(null)).isEqualTo(0.0);
        assertThat(DemoFields.offset("-1.5")).isEqualTo(-1.5);
        assertThatThrownBy(() -> DemoFields.scale("big")).hasMessage("scale is not a number: 'big'");
        assertThatThrownBy(() -> DemoFields.offset("zero")).hasMessage("offset is not a number: 'zero'");
        assertThatThrownBy(() -> DemoFields.scale(List.of(1))).hasMessage("scale is not a number: a list");
        assertThatThrownBy(() -> DemoFields.scale(MEGABYTE + "x")).hasMessageStartingWith("scale is too long");
    }

    @Test
    void stringsAndPayloadMaps() {
        assertThat(DemoFields.optionalString("q", null)).isNull();
        assertThat(DemoFields.optionalString("q", "x")).isEqualTo("x");
        assertThatThrownBy(() -> DemoFields.optionalString("q", 5)).hasMessage("q must be a string, got 5");
        assertThat(DemoFields.payloadMap(null)).isEmpty();
        assertThat(DemoFields.payloadMap(Map.of("a", 1))).containsEntry("a", 1);
        assertThatThrownBy(() -> DemoFields.payloadMap(List.of(1))).hasMessage("payload must be a map, got a list");
    }

    @Test
    void everyFieldRefusesAMegabyteInMilliseconds() {
        long t0 = System.nanoTime();
        for (int i = 0; i < 10; i++) {
            assertThatThrownBy(() -> DemoFields.userId(MEGABYTE)).isInstanceOf(InvalidFieldException.class);
            assertThatThrownBy(() -> DemoFields.limit(MEGABYTE)).isInstanceOf(InvalidFieldException.class);
            assertThatThrownBy(() -> DemoFields.rows(MEGABYTE)).isInstanceOf(InvalidFieldException.class);
            assertThatThrownBy(() -> DemoFields.scale(MEGABYTE + "x")).isInstanceOf(InvalidFieldException.class);
            assertThatThrownBy(() -> DemoFields.values(MEGABYTE + "x")).isInstanceOf(InvalidFieldException.class);
        }
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).as("50 refusals of 1 MB").isLessThan(3_000L);
    }
}
