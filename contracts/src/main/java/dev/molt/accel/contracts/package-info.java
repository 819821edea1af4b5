/**
 * The demo contract of PROTOCOL.md section 12 ({@code list_items}, {@code compute},
 * {@code offload_table}) in one place: its field rules ({@link dev.molt.accel.contracts.DemoFields}),
 * the payloads built from an HTTP request ({@link dev.molt.accel.contracts.DemoPayloads}) and the
 * linear, length-capped number scanner both rest on ({@link dev.molt.accel.contracts.Numbers}).
 * Plain Java, no dependencies: the worker's demo exports and the demo application's payload
 * builders use it, so a request is read the same way on both sides of the pipe.
 */
package dev.molt.accel.contracts;
