/**
 * The client engine: not API. Everything here may change without notice; use the types of
 * {@code dev.molt.accel.client}.
 *
 * <h2>Classes</h2>
 * <ul>
 *   <li>{@link dev.molt.accel.client.internal.ClientCore}: the public calls, dispatch, sending (one
 *       attempt with the time left), stats and the ordered close.</li>
 *   <li>{@link dev.molt.accel.client.internal.CallOutcomes}: answers, failures, the
 *       {@link dev.molt.accel.client.internal.RetryPolicy} (a pure function), completion on the right
 *       thread, cancels.</li>
 *   <li>{@link dev.molt.accel.client.internal.Sweeper}: the deadline sweep on the timer and the rare
 *       timed events of a {@link dev.molt.accel.client.internal.TimerQueue}.</li>
 *   <li>{@link dev.molt.accel.client.internal.WorkerSupervisor}: dispatch to the least-in-flight
 *       worker, start with readiness, liveness probe, replace, retire with a hard limit, death,
 *       bounded parallel close; {@link dev.molt.accel.client.internal.WorkerSlot}: one position of the
 *       pool, started on demand with backoff.</li>
 *   <li>{@link dev.molt.accel.client.internal.PoolMaintainer}: the pool's upkeep
 *       ({@link dev.molt.accel.client.internal.PoolPolicy}): spare workers, rolling recycles (one per
 *       pool at a time, the replacement ready first), health probes of workers silent for an
 *       interval, the elastic size. Only failed starts back off; a worker that was ready and then
 *       died is replaced at once (by a spare when there is one).</li>
 *   <li>{@link dev.molt.accel.client.internal.WorkerProcess}: one worker connection's frame streams,
 *       reader thread, write lock, pending attempts and state (changed only by its own transitions).</li>
 *   <li>The transport seam: {@link dev.molt.accel.client.internal.Transport} opens a
 *       {@link dev.molt.accel.client.internal.Connection}; {@link dev.molt.accel.client.internal.ProcessConnection}
 *       (a child process over stdio, with its {@link dev.molt.accel.client.internal.ProcessTree} and
 *       {@link dev.molt.accel.client.internal.StderrDrainer}) and
 *       {@link dev.molt.accel.client.internal.InMemoryTransport} (a worker served in this JVM) implement it.
 *       Nothing above the seam assumes a process. Sockets: {@link dev.molt.accel.client.internal.SocketTransport}
 *       and {@link dev.molt.accel.client.internal.SocketConnection}; a pool of endpoints goes through
 *       {@link dev.molt.accel.client.internal.EndpointsTransport} (targets, discovery, health ejection)
 *       and {@link dev.molt.accel.client.internal.EndpointsUpkeep} (start with the endpoints that answer,
 *       background reconnects, the pool's size following the addresses of its names).</li>
 *   <li>{@link dev.molt.accel.client.internal.GuardedListener}: the one place a listener is called;
 *       {@link dev.molt.accel.client.internal.CompletionBatch}: batched hand-off of completions;
 *       {@link dev.molt.accel.client.internal.EngineThreads}: named threads and executors.</li>
 * </ul>
 *
 * <h2>Deadlines</h2>
 * A call's timeout is the budget of the whole call. It becomes one absolute deadline, in the
 * client's ticker time ({@code System.nanoTime()} unless the builder was given another ticker),
 * when the call starts. Every attempt sends the time that is left as {@code timeout_ms}; a retry
 * whose backoff would reach the deadline is not made ({@link dev.molt.accel.client.internal.RetryPolicy},
 * a pure function); the call fails with {@code MoltTimeoutException} at its deadline, saying by how
 * much it passed and how many attempts ran. Waiting for a replacement worker counts against the
 * deadline; only a call made before the client's first worker was ever ready waits for that start
 * under the start timeout, and its deadline starts when the worker is ready.
 *
 * <h2>Threads: one job each</h2>
 * <ol>
 *   <li><b>Reader</b> ({@code molt-accel-reader-<pid>}, one per worker process): reads frames,
 *       decodes envelopes, settles the attempt and hands the completion off. It never runs user
 *       code and never writes to a pipe. Completions of {@code callAsync} futures go to the
 *       callback executor in batches ({@link dev.molt.accel.client.internal.CompletionBatch}); a
 *       blocking {@code call()} is completed directly, which only wakes its caller.</li>
 *   <li><b>Timer</b> ({@code molt-accel-timer-<n>}, one per client): only changes state. One sweep,
 *       due at the earliest deadline, marks attempts timed out, queues cancel-check polls and runs
 *       the rare timed events of {@link dev.molt.accel.client.internal.TimerQueue} (retry backoffs,
 *       cancel-grace checks, a retiring worker's hard limit, a wait for a worker start, the pool's
 *       periodic upkeep tick, which only reads counters and hands probes, recycles and shrinks to the
 *       lifecycle executor). It never
 *       writes to a pipe, never spawns, never closes and never runs user code.</li>
 *   <li><b>Lifecycle</b> ({@code molt-accel-lifecycle-<n>}, up to four per client, created while
 *       there is work): blocking work. Spawns (spares and recycle replacements included), readiness
 *       pings, liveness and health pings, {@code /proc} RSS reads, cancel frames, retry and re-send
 *       writes, ordered closes of retired and recycled workers, handling of a dead worker.</li>
 *   <li><b>Callback</b> ({@code molt-accel-callback-<n>}, a small pool per client, or the
 *       executor given to {@code MoltClientBuilder.callbackExecutor}): completes {@code callAsync}
 *       futures, so code chained on them runs here, and runs their response hooks, listener calls
 *       and cancel checks. A blocking {@code call()} runs its hooks and listener on its caller.</li>
 *   <li><b>stderr drainer</b> ({@code molt-accel-stderr-<pid>}): reads the worker's stderr into
 *       the log.</li>
 * </ol>
 * User code (hooks, listeners, cancel checks, chained stages) therefore never runs on a reader or
 * timer thread, and a slow callback delays other callbacks only, never answers or deadlines.
 *
 * <h2>Bounds</h2>
 * <ul>
 *   <li>{@code close()}: workers close in parallel, each step (stdin EOF, SIGTERM, SIGKILL) bounded
 *       by {@code closeTimeout}, all under one overall limit of three steps and a little; a writer
 *       blocked on a full pipe cannot hold it (closing stdin waits for the write lock at most one
 *       step, then the worker is killed, which fails the write).</li>
 *   <li>A write blocked past its call's deadline kills the worker: it does not read its input.</li>
 *   <li>A timed-out attempt's {@code __cancel__} unanswered after {@code cancelGrace} leads to a
 *       {@code __ping__} bounded by {@code probeTimeout}; only a worker that misses it too is
 *       replaced. A slow worker that answers stays.</li>
 *   <li>A replaced (retiring) worker is destroyed at the latest {@code cancelGrace + closeTimeout}
 *       after it stopped taking calls, whatever its calls are doing.</li>
 *   <li>A worker whose process exited while its stdout stays open (a descendant holds the pipe)
 *       is treated as dead after a short drain, and its process tree is killed.</li>
 * </ul>
 *
 * <h2>Owned state</h2>
 * A worker's state (starting, ready, draining, dead) changes only through its own synchronized
 * transitions; an attempt is settled once by compare-and-set (answer, deadline, cancel or death),
 * and a call's outcome is decided once, whichever thread gets there first.
 */
package dev.molt.accel.client.internal;
