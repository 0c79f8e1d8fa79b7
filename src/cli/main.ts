import { Command, Option } from 'commander';
import { reportError } from './report-error.ts';

/**
 * The `hpo` CLI. Actions are thin: flags -> inline config -> the programmatic API. Heavy
 * modules load inside actions so `hpo --help` stays instant. Only this file exits the process.
 */
const program = new Command('hpo')
  .description('Hyperparameter optimization for YOLOv5 training: strategies, pruners, local and queued trials.')
  .option('--store <spec>', 'task store: a folder or redis:// URL (default: $HPO_HOME or .hpo/)')
  .option('--artifacts <spec>', 'artifact store: a folder, file:///mnt/shared/hpo, s3://bucket/prefix or redis:// (default: $HPO_ARTIFACTS, the config\'s artifacts, <store>/artifacts or the Redis store)')
  .option('--log-format <format>', 'stderr log format: text | json', 'text')
  .showHelpAfterError()
  .hook('preAction', () => {
    // Child processes (local trials) and the artifact store resolution read it from here.
    const artifacts = program.opts().artifacts as string | undefined;
    if (artifacts) process.env.HPO_ARTIFACTS = artifacts;
  });

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

program
  .command('run')
  .description('run a study: clone the template once per trial with sampled params, rank by the objective')
  .option('--template <task-id>', 'template task to clone (default: the config\'s `template`)')
  .option('--config <file>', 'config file (default: hpo.config.ts in the working directory)')
  .option('--trials <n>', 'number of trials (budget.maxTrials)')
  .option('--concurrency <n>', 'trials at once (budget.concurrency)')
  .option('--seed <n>', 'study seed')
  .option('--resume <controller-id>', 'continue an interrupted study up to its budget')
  .option('--queue <name>', 'send trials to this BullMQ queue for `hpo agent` processes (execution.queue)')
  .option('--redis <url>', "the queue's Redis (default: $REDIS_URL, the store's URL, redis://127.0.0.1:6379)")
  .option('--remote', 'enqueue the controller itself for an agent, print its id and exit')
  .option('--controller-queue <name>', 'queue for the controller with --remote (default services)')
  .option('--json', 'print machine-readable results on stdout')
  .action(async (options) => (await import('./commands/run.ts')).runCommand(options, program.opts()));

program
  .command('agent')
  .description('run queued trial and controller tasks (a BullMQ worker); SIGTERM/SIGINT hand running trials back')
  .option('--queue <name>', 'queue to take jobs from (repeatable; default: default)', collect)
  .option('--concurrency <n>', 'trials at once (default: the number of --gpus, else 1)')
  .option('--gpus <ids>', 'GPU ids, one per concurrent slot, e.g. 0,1 (sets CUDA_VISIBLE_DEVICES per trial)')
  .option('--redis <url>', "the queue's Redis (default: $REDIS_URL, the store's URL, redis://127.0.0.1:6379)")
  .option('--drain', 'on SIGTERM/SIGINT let running trials finish instead of handing them back')
  .option('--in-process', 'run trials inside the agent process instead of one child process per trial')
  .option('--lock-duration <ms>', "how long a job stays owned without renewal: a dead agent's jobs move on within about 1.7x this (default 15000)")
  .action(async (options) => (await import('./commands/agent.ts')).agentCommand(options, program.opts()));

program
  .command('train')
  .description('run one task from a template file or an existing task id; prints the new task id')
  .argument('<template-or-task>', 'a templates/*.ts file or a task id')
  .option('--set <section/name=value>', 'override a param (repeatable)', collect)
  .option('--json', 'print the task as JSON on stdout')
  .action(async (source, options) => (await import('./commands/train.ts')).trainCommand(source, options, program.opts()));

const task = program.command('task').description('manage single tasks');
task
  .command('create')
  .description('store a template file as a draft task and print its id')
  .argument('<template-file>')
  .action(async (file) => (await import('./commands/task-create.ts')).taskCreateCommand(file, program.opts()));

const tasks = program.command('tasks').description('list and inspect tasks');
tasks
  .command('list')
  .description('list tasks, oldest first')
  .option('--project <name>')
  .option('--status <status>', 'draft | queued | running | completed | failed | stopped')
  .option('--parent <task-id>')
  .addOption(new Option('--type <type>').choices(['training', 'controller']))
  .option('--archived', 'include tasks tagged archived')
  .option('--json')
  .action(async (options) => (await import('./commands/tasks.ts')).tasksListCommand(options, program.opts()));
tasks
  .command('show')
  .description('show one task: params, status, scalars, artifacts, log tail')
  .argument('<task-id>')
  .option('--json')
  .action(async (id, options) => (await import('./commands/tasks.ts')).tasksShowCommand(id, options, program.opts()));

program
  .command('top')
  .description("a study's leaderboard, live while it runs")
  .argument('<controller-id>')
  .option('--watch', 'refresh every 2 s until the study ends')
  .option('--json')
  .action(async (id, options) => (await import('./commands/top.ts')).topCommand(id, options, program.opts()));

program
  .command('stop')
  .description('ask a task (or a study and its running trials) to stop at the next epoch boundary')
  .argument('<task-id>')
  .option('--reason <text>', 'why', 'stopped by user')
  .action(async (id, options) => (await import('./commands/stop.ts')).stopCommand(id, options, program.opts()));

const data = program.command('data').description('datasets');
data
  .command('synth')
  .description('write a deterministic synthetic detection dataset (YOLO format + data.yaml); prints the yaml path')
  .option('--out <dir>', 'output folder (created; must be empty or absent)')
  .option('--dataset <project/name>', 'also store it as a new closed dataset version of that name (prints its id)')
  .option('--json', 'with --dataset: print the new version as JSON')
  .option('--train <n>', 'training images (default 256)')
  .option('--val <n>', 'validation images (default 64)')
  .option('--img <px>', 'image size in pixels (default 128)')
  .option('--classes <k>', 'shape classes, 1-8 (default 3)')
  .option('--seed <s>', 'seed (default 0)')
  .action(async (options) => (await import('./commands/data.ts')).dataSynthCommand(options, program.opts()));

data
  .command('create')
  .description('start a draft dataset version; prints its id')
  .requiredOption('--project <name>')
  .requiredOption('--name <name>')
  .option('--parent <dataset-id>', 'a closed version to start from (the child stores only what changes)')
  .option('--json')
  .action(async (options) => (await import('./commands/datasets.ts')).dataCreateCommand(options, program.opts()));
data
  .command('add')
  .description('add files or folders to a draft (hashed now, uploaded at close)')
  .argument('<dataset-id>')
  .argument('<path...>')
  .option('--dataset-path <dir>', 'folder inside the version to put them in (default: its root)')
  .action(async (id, paths, options) => (await import('./commands/datasets.ts')).dataAddCommand(id, paths, options, program.opts()));
data
  .command('remove')
  .description('remove files matching a glob (*, **, ?) from a draft')
  .argument('<dataset-id>')
  .argument('<glob>')
  .action(async (id, glob) => (await import('./commands/datasets.ts')).dataRemoveCommand(id, glob, program.opts()));
data
  .command('close')
  .description('check the YOLO data yaml and layout, upload what the store lacks, make the version immutable')
  .argument('<dataset-id>')
  .option('--yaml <path>', 'the data yaml inside the version (default: the one yaml at its root)')
  .option('--json')
  .action(async (id, options) => (await import('./commands/datasets.ts')).dataCloseCommand(id, options, program.opts()));
data
  .command('sync')
  .description('make a closed version holding exactly a folder, a child of --parent or of the latest version of that name')
  .requiredOption('--project <name>')
  .requiredOption('--name <name>')
  .requiredOption('--folder <dir>')
  .option('--parent <dataset-id>')
  .option('--yaml <path>', 'the data yaml inside the folder (default: the one yaml at its root)')
  .option('--json')
  .action(async (options) => (await import('./commands/datasets.ts')).dataSyncCommand(options, program.opts()));
data
  .command('list')
  .description('dataset versions, oldest first')
  .option('--project <name>')
  .option('--json')
  .action(async (options) => (await import('./commands/datasets.ts')).dataListCommand(options, program.opts()));
data
  .command('show')
  .description('a version: files, sizes, totals and the change against its parent')
  .argument('<dataset-id>')
  .option('--files', 'list every file with its hash and size')
  .option('--json')
  .action(async (id, options) => (await import('./commands/datasets.ts')).dataShowCommand(id, options, program.opts()));
data
  .command('get')
  .description('a verified local copy of a closed version (cached, hard-linked); prints its folder')
  .argument('<dataset-id>')
  .option('--out <dir>', 'put the tree here (empty or absent) instead of the cache')
  .option('--cache <dir>', 'local cache (default: $HPO_CACHE or ~/.cache/hpo)')
  .option('--json')
  .action(async (id, options) => (await import('./commands/datasets.ts')).dataGetCommand(id, options, program.opts()));

tasks
  .command('delete')
  .description("delete tasks' artifacts (checkpoints, files); the records stay, marked with why")
  .argument('<task-id...>')
  .action(async (ids) => (await import('./commands/retention.ts')).tasksDeleteCommand(ids, program.opts()));
tasks
  .command('archive')
  .description('tag tasks `archived` (hidden from `tasks list` unless --archived); artifacts are kept')
  .argument('<task-id...>')
  .action(async (ids) => (await import('./commands/retention.ts')).tasksArchiveCommand(ids, program.opts()));

program
  .command('gc')
  .description('remove orphaned artifacts, unreferenced dataset blobs, stale uploads and scratch folders')
  .option('--dry-run', 'only list what would be removed')
  .option('--older-than <minutes>', 'only temporary uploads and scratch folders older than this (default 60)')
  .option('--json')
  .action(async (options) => (await import('./commands/retention.ts')).gcCommand(options, program.opts()));

program
  .command('demo')
  .description('the README main job: synthetic data, a template task and a study on the embedded defaults')
  .option('--trials <n>')
  .option('--json')
  .action(async (options) => (await import('./commands/demo.ts')).demoCommand(options, program.opts()));

program.parseAsync(process.argv).catch((error: unknown) => {
  process.exitCode = reportError(error, program.opts().logFormat);
});
