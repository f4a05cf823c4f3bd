/**
 * Gives back the memory start-up used and no longer needs. Loading the modules, migrating and building the first
 * caches grow V8's heap far past what the running service keeps (an `api` process: some 70 MB committed for 30 MB
 * live), and V8 keeps the pages it grew to: the memory reducer that would shrink them waits for an idle spell that
 * a service with timers and Redis polls never has. One full, memory-reducing collection once the process is up
 * (V8's low-memory collection, which the inspector protocol's HeapProfiler.collectGarbage asks for, in-process and
 * without a debugger) returns them to the system: some 30-50 MB of every process' resident memory
 * (docs/development.md#memory). It pauses the process once, for tens of milliseconds, before it takes traffic.
 */
export async function releaseStartupMemory(): Promise<{ rssBefore: number; rssAfter: number }> {
  const rssBefore = process.memoryUsage.rss();
  // A Node built without the inspector has no module to load: the memory then stays as V8 left it.
  const inspector = await import('node:inspector/promises').catch(() => undefined);
  if (inspector) {
    const session = new inspector.Session();
    session.connect();
    try {
      await session.post('HeapProfiler.collectGarbage');
    } finally {
      session.disconnect();
    }
  }
  return { rssBefore, rssAfter: process.memoryUsage.rss() };
}
