/**
 * Entry of a local trial's child process: `node child-main.js <store> <task-id> [<trainer-type>]`,
 * or `<store> --spare [<trainer-type>]`. The type is the task's, as the parent knows it. A fresh
 * trial starts the trainer's early work (the YOLOv5 batch thread) before anything else loads, so
 * that work overlaps the 60-70 ms of this process's own modules too; then child-run.ts runs it.
 */
import { startTrainerEarly } from './early-start.ts';

const [, taskArg, trainerType] = process.argv.slice(2);
// Awaited (a few ms): imported beside child-run.ts, its small chunk waited on that one's large
// ones, and the thread started 55-80 ms later.
if (taskArg !== '--spare' && trainerType) await startTrainerEarly(trainerType);
await import('./child-run.ts');
