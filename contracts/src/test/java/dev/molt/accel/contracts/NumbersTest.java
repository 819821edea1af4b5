package dev.molt.accel.contracts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.molt.accel.contracts.Numbers.InvalidNumberException;
import dev.molt.accel.contracts.Numbers.Problem;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NumbersTest {

    /** Far above what a linear pass over a megabyte costs, far below what the old regex took (seconds). */
    private static final long LINEAR_BOUND_MS = 2_000;

    // ------------------------------------------------------------------ decimals

    @Test
    void decimalsOfEveryAcceptedShape() {
        assertThat(Numbers.parseDecimal("0")).isEqualTo(0.0);
        assertThat(Numbers.parseDecimal("42")).isEqualTo(42.0);
        assertThat(Numbers.parseDecimal("+42")).isEqualTo(42.0);
        assertThat(Numbers.parseDecimal("-42")).isEqualTo(-42.0);
        assertThat(Numbers.parseDecimal("1.5")).isEqualTo(1.5);
        assertThat(Numbers.parseDecimal("-0.25")).isEqualTo(-0.25);
        assertThat(Numbers.parseDecimal("1.")).as("trailing point").isEqualTo(1.0);
        assertThat(Numbers.parseDecimal(".5")).as("leading point").isEqualTo(0.5);
        assertThat(Numbers.parseDecimal("-.5")).isEqualTo(-0.5);
        assertThat(Numbers.parseDecimal("+.5e1")).isEqualTo(5.0);
        assertThat(Numbers.parseDecimal("2e1")).isEqualTo(20.0);
        assertThat(Numbers.parseDecimal("2E1")).isEqualTo(20.0);
        assertThat(Numbers.parseDecimal("2e+1")).isEqualTo(20.0);
        assertThat(Numbers.parseDecimal("2e-1")).isEqualTo(0.2);
        assertThat(Numbers.parseDecimal("1.e3")).isEqualTo(1000.0);
        assertThat(Numbers.parseDecimal("007")).isEqualTo(7.0);
        assertThat(Numbers.parseDecimal("-0")).isEqualTo(-0.0);
        assertThat(Numbers.parseDecimal("1e-400")).as("underflow is zero, not an error").isEqualTo(0.0);
        assertThat(Numbers.parseDecimal("1.7976931348623157e308")).isEqualTo(Double.MAX_VALUE);
        assertThat(Numbers.parseDecimal("4.9e-324")).isEqualTo(Double.MIN_VALUE);
    }

    @Test
    void surroundingWhitespaceIsIgnored() {
        assertThat(Numbers.parseDecimal(" 1.5 ")).isEqualTo(1.5);
        assertThat(Numbers.parseDecimal("\t\n 2e1\r\n")).isEqualTo(20.0);
        assertThat(Numbers.parseLong("  -7\t")).isEqualTo(-7L);
        assertThat(Numbers.parseDecimal("x 1.5 y", 1, 6)).as("a range").isEqualTo(1.5);
        // padding does not count against the length cap
        String padded = " ".repeat(10_000) + "3" + " ".repeat(10_000);
        assertThat(Numbers.parseDecimal(padded)).isEqualTo(3.0);
        assertThat(Numbers.parseLong(padded)).isEqualTo(3L);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "+", "-", ".", "+.", "-.", "e1", ".e1", "1e", "1e+", "1e-", "1.5.", "1..5", "1.5e1.5",
        "--1", "+-1", "1-", "1+", "1 2", "1,5", "1_000", "0x10", "0b1", "1f", "1d", "1L", "abc", "NaN", "nan", "-NaN",
        "Infinity", "-Infinity", "+Infinity", "inf", "\u0661", "1\u00a0", "\u00a01", "１", "1e\u0661", "1 e5", "1e 5"})
    void malformedDecimalsAreRefused(String text) {
        assertProblem(() -> Numbers.parseDecimal(text), Problem.MALFORMED);
    }

    @Test
    void decimalsThatOverflowAreOutOfRange() {
        assertProblem(() -> Numbers.parseDecimal("1e309"), Problem.OUT_OF_RANGE);
        assertProblem(() -> Numbers.parseDecimal("-1e999999999"), Problem.OUT_OF_RANGE);
        assertProblem(() -> Numbers.parseDecimal("1" + "0".repeat(50) + "e300"), Problem.OUT_OF_RANGE);
    }

    @Test
    void decimalsLongerThanTheCapAreTooLong() {
        String max = "1." + "5".repeat(Numbers.MAX_CHARS - 2);
        assertThat(Numbers.parseDecimal(max)).isEqualTo(1.5555555555555556);
        assertProblem(() -> Numbers.parseDecimal(max + "5"), Problem.TOO_LONG);
        assertProblem(() -> Numbers.parseDecimal("1".repeat(8 * 1024) + "x"), Problem.TOO_LONG);
        assertProblem(() -> Numbers.parseDecimal("x".repeat(Numbers.MAX_CHARS + 1)), Problem.TOO_LONG);
    }

    // ------------------------------------------------------------------ integers

    @Test
    void integersOfEveryAcceptedShape() {
        assertThat(Numbers.parseLong("0")).isZero();
        assertThat(Numbers.parseLong("-0")).isZero();
        assertThat(Numbers.parseLong("+12")).isEqualTo(12L);
        assertThat(Numbers.parseLong("-12")).isEqualTo(-12L);
        assertThat(Numbers.parseLong("000123")).isEqualTo(123L);
        assertThat(Numbers.parseLong("9223372036854775807")).isEqualTo(Long.MAX_VALUE);
        assertThat(Numbers.parseLong("-9223372036854775808")).isEqualTo(Long.MIN_VALUE);
        assertThat(Numbers.parseLong("0".repeat(40) + "9223372036854775807")).as("leading zeros are not digits")
                .isEqualTo(Long.MAX_VALUE);
        assertThat(Numbers.parseLong("1234567890123456789")).isEqualTo(1234567890123456789L);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "+", "-", "1.5", "1.", ".5", "1e3", "12a", "a12", "--1", "1-", "1 2", "0x1F",
        "NaN", "Infinity", "\u0661\u0662", "1_0"})
    void malformedIntegersAreRefused(String text) {
        assertProblem(() -> Numbers.parseLong(text), Problem.MALFORMED);
    }

    @Test
    void integersOutsideTheLongRangeAreRefused() {
        assertProblem(() -> Numbers.parseLong("9223372036854775808"), Problem.OUT_OF_RANGE);
        assertProblem(() -> Numbers.parseLong("-9223372036854775809"), Problem.OUT_OF_RANGE);
        assertProblem(() -> Numbers.parseLong("9999999999999999999"), Problem.OUT_OF_RANGE);
        assertProblem(() -> Numbers.parseLong("10000000000000000000"), Problem.TOO_LONG);
        assertProblem(() -> Numbers.parseLong("-" + "1".repeat(20)), Problem.TOO_LONG);
        assertProblem(() -> Numbers.parseLong("1".repeat(Numbers.MAX_CHARS + 1)), Problem.TOO_LONG);
    }

    // ------------------------------------------------------------------ attacker-sized text

    @Test
    void aMegabyteOfDigitsIsRefusedInMilliseconds() {
        String digits = "1".repeat(1 << 20);
        String trap = digits + "x"; // the shape that made the old regex backtrack
        long t0 = System.nanoTime();
        for (int i = 0; i < 10; i++) {
            assertProblem(() -> Numbers.parseDecimal(trap), Problem.TOO_LONG);
            assertProblem(() -> Numbers.parseLong(digits), Problem.TOO_LONG);
            assertProblem(() -> Numbers.parseDecimal(" " + digits + " "), Problem.TOO_LONG);
        }
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertThat(ms).as("30 refusals of 1 MB strings").isLessThan(LINEAR_BOUND_MS);
    }

    @Test
    void everyStringUpToTheCapCostsLittle() {
        // worst shapes within the cap: long mantissas and exponents
        long t0 = System.nanoTime();
        for (int i = 0; i < 10_000; i++) {
            Numbers.parseDecimal("1".repeat(32) + "." + "9".repeat(20) + "e-9");
            assertProblem(() -> Numbers.parseDecimal("1".repeat(63) + "x"), Problem.MALFORMED);
        }
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(2_000L);
    }

    // ------------------------------------------------------------------ decoded numbers

    @Test
    void decodedNumbersToLong() {
        assertThat(Numbers.toLong(7)).isEqualTo(7L);
        assertThat(Numbers.toLong((short) -3)).isEqualTo(-3L);
        assertThat(Numbers.toLong((byte) 1)).isEqualTo(1L);
        assertThat(Numbers.toLong(Long.MIN_VALUE)).isEqualTo(Long.MIN_VALUE);
        assertThat(Numbers.toLong(2.0)).isEqualTo(2L);
        assertThat(Numbers.toLong(-2.0f)).isEqualTo(-2L);
        assertThat(Numbers.toLong(-0x1p63)).isEqualTo(Long.MIN_VALUE);
        assertThat(Numbers.toLong(BigInteger.valueOf(Long.MAX_VALUE))).isEqualTo(Long.MAX_VALUE);
        assertThat(Numbers.toLong(new BigDecimal("12.000"))).isEqualTo(12L);
        assertThat(Numbers.toLong(new BigDecimal("1E+5"))).isEqualTo(100_000L);
        assertThat(Numbers.toLong(new BigDecimal("0.000"))).isZero();
        assertThat(Numbers.toLong(new BigDecimal("-9223372036854775808"))).isEqualTo(Long.MIN_VALUE);
        assertProblem(() -> Numbers.toLong(3.5), Problem.MALFORMED);
        assertProblem(() -> Numbers.toLong(Double.NaN), Problem.MALFORMED);
        assertProblem(() -> Numbers.toLong(Double.POSITIVE_INFINITY), Problem.MALFORMED);
        assertProblem(() -> Numbers.toLong(0x1p63), Problem.OUT_OF_RANGE);
        assertProblem(() -> Numbers.toLong(1e30), Problem.OUT_OF_RANGE);
        assertProblem(() -> Numbers.toLong(BigInteger.ONE.shiftLeft(63)), Problem.OUT_OF_RANGE);
        assertProblem(() -> Numbers.toLong(BigInteger.TEN.pow(100_000)), Problem.OUT_OF_RANGE);
        assertProblem(() -> Numbers.toLong(new BigDecimal("3.5")), Problem.MALFORMED);
        assertProblem(() -> Numbers.toLong(new BigDecimal("0.5")), Problem.MALFORMED);
        assertProblem(() -> Numbers.toLong(new BigDecimal("9223372036854775808")), Problem.OUT_OF_RANGE);
        assertProblem(() -> Numbers.toLong(new BigDecimal("1E+999999999")), Problem.OUT_OF_RANGE);
        assertProblem(() -> Numbers.toLong(new BigDecimal("1E-999999999")), Problem.MALFORMED);
    }

    @Test
    void decodedNumbersToDouble() {
        assertThat(Numbers.toDouble(3)).isEqualTo(3.0);
        assertThat(Numbers.toDouble(2.5f)).isEqualTo(2.5);
        assertThat(Numbers.toDouble(new BigDecimal("1.25"))).isEqualTo(1.25);
        assertThat(Numbers.toDouble(new BigDecimal("1E-999999999"))).isEqualTo(0.0);
        assertThat(Numbers.toDouble(BigInteger.TEN.pow(300))).isEqualTo(1e300);
        assertProblem(() -> Numbers.toDouble(Double.NaN), Problem.OUT_OF_RANGE);
        assertProblem(() -> Numbers.toDouble(Double.NEGATIVE_INFINITY), Problem.OUT_OF_RANGE);
        assertProblem(() -> Numbers.toDouble(new BigDecimal("1E+999999999")), Problem.OUT_OF_RANGE);
        assertProblem(() -> Numbers.toDouble(BigInteger.TEN.pow(400)), Problem.OUT_OF_RANGE);
    }

    @Test
    void excerptsAreBounded() {
        assertThat(Numbers.excerpt("abc", 40)).isEqualTo("abc");
        assertThat(Numbers.excerpt("x".repeat(1 << 20), 40)).isEqualTo("x".repeat(40) + "...");
    }

    private static void assertProblem(Runnable parse, Problem problem) {
        assertThatThrownBy(parse::run).isInstanceOfSatisfying(InvalidNumberException.class,
                e -> assertThat(e.problem()).isEqualTo(problem));
    }
}
