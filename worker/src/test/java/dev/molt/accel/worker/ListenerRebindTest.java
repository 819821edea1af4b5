package dev.molt.accel.worker;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A worker restarted on the port it had (a killed pod's successor, the chaos test's restarted
 * worker) binds at once although the connections it had closed are still in TIME_WAIT on that
 * port: the listener sets SO_REUSEADDR.
 */
class ListenerRebindTest {

    @Test
    void aTcpPortIsBoundAgainAtOnceWhileConnectionsItClosedAreInTimeWait() throws Exception {
        Listener first = Listener.bind(ListenAddress.parse("tcp://127.0.0.2:0"), Set.of(), null, false);
        ListenAddress bound = first.bound();
        try {
            for (int i = 0; i < 3; i++) {
                try (Socket client = new Socket()) {
                    client.connect(new InetSocketAddress("127.0.0.2", bound.port()), 10_000);
                    client.setSoTimeout(10_000);
                    Connection served = first.accept();
                    served.closeHard(); // the worker's side closes first: its socket ends in TIME_WAIT
                    try (InputStream in = client.getInputStream()) {
                        assertThat(in.read()).as("the worker's close seen").isEqualTo(-1);
                    }
                }
            }
        } finally {
            first.close();
        }
        Listener again = Listener.bind(bound, Set.of(), null, false);
        try {
            assertThat(again.bound()).isEqualTo(bound);
            try (Socket client = new Socket()) {
                client.connect(new InetSocketAddress("127.0.0.2", bound.port()), 10_000);
                again.accept().closeHard();
            }
        } finally {
            again.close();
        }
    }
}
