/**
 * Payload builders for the demo contract of PROTOCOL.md section 12 ({@code list_items},
 * {@code compute}, {@code offload_table}): thin adapters from an offloaded call's context to the
 * contract's payload functions (module {@code molt-accel-contracts}), which validate and clamp. They
 * read each field from the method argument of that name, else from an entry of a {@code Map}
 * argument (a JSON body), else from the request parameters.
 */
package dev.molt.accel.demo.payload;
