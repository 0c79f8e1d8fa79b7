/**
 * Everything a CLI command opens that can keep the process alive (a Redis store's connection,
 * a queue executor). Commands register what they open; the entry closes it all in one place
 * on every exit path, success or error, so `hpo` always ends with its exit code.
 */
interface Closable {
  close(): Promise<void>;
}

const open = new Set<Closable>();

/** Registers `resource` to be closed when the command ends; returns it. */
export function track<T extends Closable>(resource: T): T {
  open.add(resource);
  return resource;
}

/**
 * Closes every tracked resource (each at most `timeoutMs`, so an unreachable Redis cannot hold
 * the exit), ignoring errors: the command's own outcome is what the user needs to see.
 */
export async function closeAll(timeoutMs = 2_000): Promise<void> {
  const all = [...open];
  open.clear();
  await Promise.all(
    all.map((r) => {
      let timer: NodeJS.Timeout | undefined;
      const limit = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
        timer.unref();
      });
      return Promise.race([r.close().catch(() => {}), limit]).finally(() => clearTimeout(timer));
    }),
  );
}
