/** Waits for `promise` at most `ms`; says which came first. The promise keeps running either way. */
export async function withDeadline<T>(
  promise: Promise<T>,
  ms: number,
): Promise<{ done: true; value: T } | { done: false }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<{ done: false }>((resolve) => {
    timer = setTimeout(() => resolve({ done: false }), ms);
  });
  try {
    return await Promise.race([promise.then((value) => ({ done: true as const, value })), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Like withDeadline, but rejects with `what did not answer within ms` on timeout. */
export async function orTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  const result = await withDeadline(promise, ms);
  if (!result.done) throw new Error(`${what} did not answer within ${ms} ms`);
  return result.value;
}
