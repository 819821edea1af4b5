package dev.molt.accel.spring.observation;

import io.micrometer.common.docs.KeyName;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationConvention;
import io.micrometer.observation.docs.ObservationDocumentation;

/** The observations of the starter and their keys. */
public enum MoltObservationDocumentation implements ObservationDocumentation {

    /**
     * One offloaded call ({@code @MoltOffload}), Kind CLIENT, from the send to the answer or
     * failure: retries and waits for a worker included, payload encoding not.
     */
    CALL {
        @Override
        public Class<? extends ObservationConvention<? extends Observation.Context>> getDefaultConvention() {
            return DefaultMoltObservationConvention.class;
        }

        @Override
        public KeyName[] getLowCardinalityKeyNames() {
            return LowCardinalityKeys.values();
        }

        @Override
        public KeyName[] getHighCardinalityKeyNames() {
            return HighCardinalityKeys.values();
        }
    };

    /** Keys with a bounded set of values: meter tags and span attributes. */
    public enum LowCardinalityKeys implements KeyName {

        /** The export called. */
        ENTRY("entry"),
        /** The worker pool's name. */
        WORKER("worker"),
        /** {@code ok}, or the error code of the failure ({@code MoltBusy}, {@code MoltTimeout}, ...). */
        OUTCOME("outcome"),
        /** How the pool reaches its workers: {@code stdio}, {@code unix}, {@code tcp}, {@code tls}. */
        TRANSPORT("transport");

        private final String key;

        LowCardinalityKeys(String key) {
            this.key = key;
        }

        @Override
        public String asString() {
            return key;
        }
    }

    /** Keys with a value per call: span attributes only, never meter tags. */
    public enum HighCardinalityKeys implements KeyName {

        /** The request id of the answer (or of the failed attempt). */
        REQUEST_ID("molt.request.id"),
        /** The worker that answered: its process id, or the endpoint address of a socket worker. */
        WORKER_ID("molt.worker.id"),
        /** Microseconds the request waited in the worker's queue ({@code queue_us}), when the worker said. */
        QUEUE_US("molt.worker.queue_us"),
        /** Microseconds the worker spent executing the request ({@code exec_us}), when the worker said. */
        EXEC_US("molt.worker.exec_us"),
        /** Microseconds the worker spent decoding the request ({@code decode_us}), when the worker said. */
        DECODE_US("molt.worker.decode_us");

        private final String key;

        HighCardinalityKeys(String key) {
            this.key = key;
        }

        @Override
        public String asString() {
            return key;
        }
    }
}
