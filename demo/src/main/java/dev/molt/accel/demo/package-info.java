/**
 * The molt-accel demo application: the demo contract of PROTOCOL.md section 12 served in-process and
 * offloaded with {@code @MoltOffload}, for comparison and for the HTTP benchmark.
 */
package dev.molt.accel.demo;
