/**
 * The demo contract (PROTOCOL.md section 12): {@link dev.molt.accel.worker.demo.DemoContract} holds
 * the pure functions shared by the worker's {@link dev.molt.accel.worker.demo.DemoExports} and the
 * demo application's in-process baseline; {@link dev.molt.accel.worker.demo.FakeDb} simulates the
 * database costs.
 */
package dev.molt.accel.worker.demo;
