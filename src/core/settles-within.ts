/**
 * True when `promise` settles (resolves or rejects) within `ms`, false when it is still pending
 * then. For shutdown paths that must not wait on something gone (an unreachable Redis): the
 * caller gives up on the promise, which may still settle later, unobserved.
 */
export async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([promise.then(() => true, () => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
