package dev.molt.accel.spring.internal;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Whether a raw (percent-encoded) query string decodes as UTF-8. WebFlux decodes query parameters
 * leniently (bad bytes become U+FFFD), so an offloaded endpoint would send the worker a value that is
 * not what the client sent; Tomcat refuses such a query, and both stacks answer it with a 400. One
 * linear pass, no allocation for a query without escapes. Stateless.
 */
final class Utf8Query {

    private Utf8Query() {
    }

    static boolean isValid(String rawQuery) {
        if (rawQuery == null || rawQuery.indexOf('%') < 0) {
            return true;
        }
        byte[] bytes = new byte[rawQuery.length()];
        int n = 0;
        for (int i = 0; i < rawQuery.length(); i++) {
            char c = rawQuery.charAt(i);
            if (c == '%') {
                int hi = i + 2 < rawQuery.length() ? Character.digit(rawQuery.charAt(i + 1), 16) : -1;
                int lo = hi >= 0 ? Character.digit(rawQuery.charAt(i + 2), 16) : -1;
                if (lo < 0) {
                    return false;
                }
                bytes[n++] = (byte) (hi << 4 | lo);
                i += 2;
            } else if (c < 0x80) {
                bytes[n++] = (byte) c;
            } else {
                return false; // a raw query holds ASCII only; anything else was not encoded by the client
            }
        }
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes, 0, n));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }
}
