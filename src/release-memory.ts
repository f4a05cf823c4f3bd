/**
 * Gives back the memory start-up used and no longer needs. Loading the modules, migrating and building the first
 * caches grow V8's heap far past what the running service keeps (an `api` process: some 70 MB committed for 30 MB
 * live), and V8 keeps the pages it grew to: the memory reducer that would shrink them waits for an idle spell that
 * a service with timers and Redis polls never has. One full, memory-reducing collection once the process is up
 * (V8's low-memory collection, which the inspector protocol's HeapProfiler.collectGarbage asks for, in-process and
 * without a debugger) returns them to the system: some 30-50 MB of every process' resident memory
 * (docs/development.md#memory). It pauses the process once, for tens of milliseconds, before it reports ready
 * (a worker's jobs may already be running; they wait out the pause).
 */
export async function releaseStartupMemory(): Promise<{
  rssBefore: number;
  rssAfter: number;
  released: boolean;
}> {
  const rssBefore = process.memoryUsage.rss();
  // A Node built without the inspector has no module to load, and a process run with --permission may not open a
  // session: the memory then stays as V8 left it, and the service starts all the same.
  const inspector = await import('node:inspector/promises').catch(() => undefined);
  let released = false;
  if (inspector) {
    try {
      const session = new inspector.Session();
      session.connect();
      try {
        await session.post('HeapProfiler.collectGarbage');
        released = true;
      } finally {
        session.disconnect();
      }
    } catch {
      released = false;
    }
  }
  return { rssBefore, rssAfter: process.memoryUsage.rss(), released };
}
