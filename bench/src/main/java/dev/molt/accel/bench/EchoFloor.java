package dev.molt.accel.bench;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * The floor of the protocol benchmark: a child process that echoes every frame (4-byte
 * little-endian length, then the body) from stdin to stdout without decoding it, flushing whenever
 * no further input is waiting. Whatever a real worker costs above this is envelope handling,
 * dispatch and thread hand-offs; this is the price of the pipes and the JVM's stream stack.
 *
 * <p>Exits 0 at end of input, 1 on a truncated frame.
 */
public final class EchoFloor {

    private static final int BUFFER = 64 * 1024;

    private EchoFloor() {
    }

    public static void main(String[] args) throws IOException {
        InputStream in = new BufferedInputStream(new FileInputStream(FileDescriptor.in), BUFFER);
        OutputStream out = new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), BUFFER);
        byte[] header = new byte[4];
        byte[] body = new byte[256];
        while (true) {
            int n = in.readNBytes(header, 0, 4);
            if (n == 0) {
                break;
            }
            if (n < 4) {
                System.exit(1);
            }
            int len = (header[0] & 0xFF) | (header[1] & 0xFF) << 8 | (header[2] & 0xFF) << 16 | (header[3] & 0xFF) << 24;
            if (len < 0 || len > 64 * 1024 * 1024) {
                System.exit(1);
            }
            if (len > body.length) {
                body = new byte[len];
            }
            if (in.readNBytes(body, 0, len) < len) {
                System.exit(1);
            }
            out.write(header);
            out.write(body, 0, len);
            if (in.available() == 0) {
                out.flush();
            }
        }
        out.flush();
    }
}
