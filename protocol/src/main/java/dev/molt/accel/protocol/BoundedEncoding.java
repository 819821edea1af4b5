package dev.molt.accel.protocol;

import com.fasterxml.jackson.core.Base64Variant;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.util.JsonGeneratorDelegate;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;

/**
 * Size limits for {@link Payloads#encode(Codec, Object, int)}. JSON is written as it is generated, so
 * a bounded output stream stops it; the msgpack generator keeps the whole value in a tree until the
 * root closes (map and array headers need their sizes), so a generator that counts what is written
 * stops it instead, long before the tree holds more than about the limit's worth of values.
 */
final class BoundedEncoding {

    private BoundedEncoding() {
    }

    /** A byte sink that refuses to grow past {@code max} bytes. */
    static final class BoundedBytes extends ByteArrayOutputStream {
        private final int max;

        BoundedBytes(int max) {
            super(Math.min(max, 256) + 1);
            this.max = max;
        }

        @Override
        public synchronized void write(int b) {
            check(1);
            super.write(b);
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            check(len);
            super.write(b, off, len);
        }

        private void check(int more) {
            if ((long) count + more > max) {
                throw new PayloadTooLargeException(max);
            }
        }
    }

    /**
     * Counts the fewest msgpack bytes each written token takes (containers: one header byte; strings:
     * their UTF-16 length, at least one byte per char) and fails once that floor passes the limit.
     * The floor never exceeds the real size, so nothing that fits is refused here; the exact size is
     * checked on the bytes afterwards.
     */
    static final class CountingGenerator extends JsonGeneratorDelegate {
        private final long max;
        private long floor;

        CountingGenerator(JsonGenerator d, long max) {
            super(d, false);
            this.max = max;
        }

        private void add(long n) {
            floor += n;
            if (floor > max) {
                throw new PayloadTooLargeException(max);
            }
        }

        @Override
        public void writeStartArray() throws IOException {
            add(1);
            super.writeStartArray();
        }

        @Override
        public void writeStartArray(Object forValue) throws IOException {
            add(1);
            super.writeStartArray(forValue);
        }

        @Override
        public void writeStartArray(Object forValue, int size) throws IOException {
            add(1);
            super.writeStartArray(forValue, size);
        }

        @Override
        public void writeStartObject() throws IOException {
            add(1);
            super.writeStartObject();
        }

        @Override
        public void writeStartObject(Object forValue) throws IOException {
            add(1);
            super.writeStartObject(forValue);
        }

        @Override
        public void writeStartObject(Object forValue, int size) throws IOException {
            add(1);
            super.writeStartObject(forValue, size);
        }

        @Override
        public void writeFieldName(String name) throws IOException {
            add(1L + name.length());
            super.writeFieldName(name);
        }

        @Override
        public void writeFieldName(SerializableString name) throws IOException {
            add(1L + name.charLength());
            super.writeFieldName(name);
        }

        @Override
        public void writeFieldId(long id) throws IOException {
            add(1);
            super.writeFieldId(id);
        }

        @Override
        public void writeString(String text) throws IOException {
            add(1L + (text == null ? 0 : text.length()));
            super.writeString(text);
        }

        @Override
        public void writeString(char[] text, int offset, int len) throws IOException {
            add(1L + len);
            super.writeString(text, offset, len);
        }

        @Override
        public void writeString(SerializableString text) throws IOException {
            add(1L + text.charLength());
            super.writeString(text);
        }

        @Override
        public void writeRawUTF8String(byte[] text, int offset, int length) throws IOException {
            add(1L + length);
            super.writeRawUTF8String(text, offset, length);
        }

        @Override
        public void writeUTF8String(byte[] text, int offset, int length) throws IOException {
            add(1L + length);
            super.writeUTF8String(text, offset, length);
        }

        @Override
        public void writeBinary(Base64Variant b64variant, byte[] data, int offset, int len) throws IOException {
            add(2L + len);
            super.writeBinary(b64variant, data, offset, len);
        }

        @Override
        public void writeNumber(short v) throws IOException {
            add(1);
            super.writeNumber(v);
        }

        @Override
        public void writeNumber(int v) throws IOException {
            add(1);
            super.writeNumber(v);
        }

        @Override
        public void writeNumber(long v) throws IOException {
            add(1);
            super.writeNumber(v);
        }

        @Override
        public void writeNumber(BigInteger v) throws IOException {
            add(1);
            super.writeNumber(v);
        }

        @Override
        public void writeNumber(double v) throws IOException {
            add(9);
            super.writeNumber(v);
        }

        @Override
        public void writeNumber(float v) throws IOException {
            add(5);
            super.writeNumber(v);
        }

        @Override
        public void writeNumber(BigDecimal v) throws IOException {
            add(1);
            super.writeNumber(v);
        }

        @Override
        public void writeNumber(String encodedValue) throws IOException {
            add(1);
            super.writeNumber(encodedValue);
        }

        @Override
        public void writeBoolean(boolean state) throws IOException {
            add(1);
            super.writeBoolean(state);
        }

        @Override
        public void writeNull() throws IOException {
            add(1);
            super.writeNull();
        }
    }
}
