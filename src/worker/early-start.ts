/**
 * Light work a trainer starts in a trial process before the process's own modules and the
 * trainer's load (child-main.ts); types with none are absent. It imports nothing else, so it runs
 * within a few ms of the process starting.
 */
const EARLY_STARTS: Record<string, () => Promise<{ startEarly(): unknown }>> = {
  yolov5: () => import('../trainers/yolov5/early.ts'),
};

/**
 * Starts `type`'s early work, if it has any: resolves true once started, false for a type with
 * none or when it failed (which is left to the trial's own start to meet and report).
 */
export async function startTrainerEarly(type: string): Promise<boolean> {
  const early = EARLY_STARTS[type];
  if (!early) return false;
  try {
    void (await early()).startEarly();
    return true;
  } catch {
    return false;
  }
}
