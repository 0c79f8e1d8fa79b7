import path from 'node:path';
import { Command, Option } from 'commander';
import { reportError } from './report-error.ts';

/**
 * The `hpo` CLI. Actions are thin: flags -> inline config -> the programmatic API. Heavy
 * modules load inside actions so `hpo --help` stays instant. Only this file exits the process.
 */
const program = new Command('hpo')
  .description('Hyperparameter optimization for YOLOv5 training: strategies, pruners, local and queued trials.')
  .option('--store <spec>', 'task store: a folder or redis:// URL (default: $HPO_HOME or .hpo/)')
  .option('--artifacts <spec>', "artifact store: a folder, file:///mnt/shared/hpo, s3://bucket/prefix or redis://... (default: $HPO_ARTIFACTS, the config's artifacts, <store>/artifacts or the Redis store's Redis)")
  .option('--log-format <format>', 'stderr log format: text | json', 'text')
  .option('--keep-workdir', "keep a failed trial's scratch folder (default: removed after every trial)")
  .showHelpAfterError()
  // Children (local trials, agents started here) inherit these; the runner reads them.
  .hook('preAction', () => {
    const { keepWorkdir, artifacts } = program.opts();
    if (keepWorkdir) process.env.HPO_KEEP_WORKDIR = '1';
    if (typeof artifacts === 'string' && artifacts.trim() !== '') {
      process.env.HPO_ARTIFACTS = /^[a-z][a-z0-9+.-]*:\/\//i.test(artifacts) ? artifacts : path.resolve(artifacts);
    }
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
  .option('--resume <controller-id>', 'continue a study up to its budget; with --trials N, extend a finished one to N trials')
  .option('--force', "with --resume: take over the study from a process that died (its lease expired or its pid is gone)")
  .option('--enqueue <file.json>', 'run these params first: a JSON array of {"section/name": value} objects')
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
  .option('--grace <seconds>', 'between a stop and SIGTERM, and SIGTERM and SIGKILL, of a trial; a shutdown waits about twice this (default 10)')
  .option('--lock-duration <ms>', "how long a job stays owned without renewal: a dead agent's jobs move on within about 1.7x this (default 15000)")
  .option('--name <name>', 'agent name in logs and its presence record (default <host>:<pid>; `hpo autoscale` names its instances)')
  .option('--strict', 'fail tasks created with another hpo version (default: run them with a warning in their log)')
  .option('--preload <trainer-type>', "a spare trial process per slot loads this trainer at start-up, so each slot's first job starts loaded (none: no start-up spares)", 'yolov5')
  .action(async (options) => (await import('./commands/agent.ts')).agentCommand(options, program.opts()));

program
  .command('autoscale')
  .description('start agents when trials wait and stop them when idle (local processes or your own commands); --print-k8s for Kubernetes')
  .option('--queue <name>', 'queue to watch (repeatable; default: autoscale.queues, else default)', collect)
  .option('--min <n>', 'instances kept even when idle (default 0)')
  .option('--max <n>', 'instances at most (default 4)')
  .option('--idle <duration>', "stop an instance whose agent ran nothing this long, e.g. 5m (default 5m)")
  .option('--budget <duration>', 'instance-time allowed in all, e.g. 20h (default: no limit)')
  .option('--cooldown <duration>', 'no start within this of the last (default 30s)')
  .option('--poll <duration>', 'how often queues, agents and instances are read (default 5s)')
  .option('--provider <name>', 'local | command (default: autoscale.provider, else local)')
  .option('--gpus <ids>', 'local provider: GPU ids, one per agent, e.g. 0,1,2,3')
  .option('--redis <url>', "the queue's Redis (default: $REDIS_URL, the store's URL, redis://127.0.0.1:6379)")
  .option('--config <file>', 'config file with `autoscale: {...}` (default: hpo.config.ts here, if any)')
  .option('--dry-run', 'print what would be done now, do nothing')
  .option('--print-k8s', 'print Kubernetes manifests (agent Deployment + KEDA ScaledObject) for the queues')
  .action(async (options) => (await import('./commands/autoscale.ts')).autoscaleCommand(options, program.opts()));

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
  .option('--repo <dir>', "record this git working tree's code (remote, commit, diff, small untracked files) for agents to recreate (default for command trainers: the template file's repo)")
  .action(async (file, options) => (await import('./commands/task-create.ts')).taskCreateCommand(file, options, program.opts()));

task
  .command('clone')
  .description('copy a task as a draft with params overridden (checked against its trainer); prints the new id')
  .argument('<task-id>')
  .option('--set <section/name=value>', 'override a param (repeatable)', collect)
  .option('--name <name>', "the clone's name (default: the source's)")
  .option('--json', 'print the new task as JSON')
  .action(async (id, options) => (await import('./commands/task-clone.ts')).taskCloneCommand(id, options, program.opts()));

program
  .command('enqueue')
  .description('queue a task (a draft, or a failed or stopped one) for an agent; prints its id')
  .argument('<task-id>')
  .option('--queue <name>', 'queue (default: default)')
  .option('--redis <url>', "the queue's Redis (default: $REDIS_URL, the store's URL, redis://127.0.0.1:6379)")
  .action(async (id, options) => (await import('./commands/enqueue.ts')).enqueueCommand(id, options, program.opts()));

program
  .command('queues')
  .description('queues with their waiting, active, delayed and failed jobs, and the agents listening')
  .option('--redis <url>', "the queues' Redis (default: $REDIS_URL, the store's URL, redis://127.0.0.1:6379)")
  .option('--json')
  .action(async (options) => (await import('./commands/queues.ts')).queuesCommand(options, program.opts()));

program
  .command('agents')
  .description('live agents: host, queues, running tasks, GPUs, last heartbeat')
  .option('--redis <url>', "the agents' Redis (default: $REDIS_URL, the store's URL, redis://127.0.0.1:6379)")
  .option('--json')
  .action(async (options) => (await import('./commands/queues.ts')).agentsCommand(options, program.opts()));

const tasks = program.command('tasks').description('list and inspect tasks');
tasks
  .command('list')
  .description('list tasks, oldest first')
  .option('--project <name>')
  .option('--status <status>', 'draft | queued | running | completed | failed | stopped')
  .option('--parent <task-id>')
  .addOption(new Option('--type <type>').choices(['training', 'controller', 'autoscaler']))
  .option('--archived', 'include tasks tagged archived')
  .option('--json')
  .action(async (options) => (await import('./commands/tasks.ts')).tasksListCommand(options, program.opts()));
tasks
  .command('show')
  .description('show one task: params, status, scalars, artifacts, log tail')
  .argument('<task-id>')
  .option('--json')
  .action(async (id, options) => (await import('./commands/tasks.ts')).tasksShowCommand(id, options, program.opts()));
tasks
  .command('delete')
  .description("delete tasks' artifacts (a study id: its trials' too); the records, scalars and logs stay and say so")
  .argument('<task-id...>')
  .action(async (ids) => (await import('./commands/tasks.ts')).tasksDeleteCommand(ids, program.opts()));
tasks
  .command('archive')
  .description('tag tasks (a study id: its trials too) archived: hidden from `tasks list` unless --archived; artifacts stay')
  .argument('<task-id...>')
  .action(async (ids) => (await import('./commands/tasks.ts')).tasksArchiveCommand(ids, program.opts()));

program
  .command('gc')
  .description('remove artifacts no task references, dataset blobs no version lists, stale uploads and scratch folders of ended tasks')
  .option('--dry-run', 'only print what would be removed')
  .option('--older-than <minutes>', 'only what is older than this (default 60), so nothing in flight is taken')
  .option('--json')
  .action(async (options) => (await import('./commands/gc.ts')).gcCommand(options, program.opts()));

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

program
  .command('ui')
  .description('serve the web UI and its JSON API over the task store (tasks, compare, studies, live)')
  .option('--port <n>', 'port (default 8080; 0 picks a free one)')
  .option('--host <address>', 'address to bind; anything but loopback needs --token (default 127.0.0.1)')
  .option('--token <secret>', 'required on every API call and event stream (default: $HPO_UI_TOKEN)')
  .option('--read-only', 'refuse stop, clone and enqueue')
  .option('--redis <url>', "the queue's Redis for enqueue (default: $REDIS_URL, the store's URL, redis://127.0.0.1:6379)")
  .option('--poll-ms <ms>', 'how often the live view polls the store (default 500)')
  .action(async (options) => (await import('./commands/ui.ts')).uiCommand(options, program.opts()));

program
  .command('report')
  .description("write one self-contained HTML file of a study's (or a task's) charts, readable offline")
  .argument('<controller-or-task-id>')
  .option('--out <file>', 'output file (default report.html)')
  .action(async (id, options) => (await import('./commands/ui.ts')).reportCommand(id, options, program.opts()));

const data = program.command('data').description('datasets');
data
  .command('synth')
  .description('write a deterministic synthetic detection dataset (YOLO format + data.yaml); prints the yaml path, or with --dataset the version id')
  .option('--out <dir>', 'output folder (created; must be empty or absent; default with --dataset: a temporary one)')
  .option('--dataset <project/name>', 'also store it as a new closed dataset version of that name (a child of its latest)')
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
  .description('remove the files matching a glob (*, **, ?) from a draft')
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
  .description('one new closed version holding exactly a folder: a child of --parent or of the latest version of that name')
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

program
  .command('export')
  .description("write a task's best.bin (a study's best completed trial's) as an ONNX model; prints its path")
  .argument('<task-id>', 'a yolov5 training task id or a study controller id')
  .requiredOption('--format <format>', 'onnx')
  .option('--out <file>', 'output file (default <task-id>.onnx)')
  .option('--size <px>', 'input size, a multiple of 32 (default: the training size)')
  .option('--dynamic-batch', 'a symbolic batch dimension instead of batch 1')
  .action(async (id, options) => (await import('./commands/export.ts')).exportCommand(id, options, program.opts()));

program
  .command('serve')
  .description('serve a task (or a study\'s best completed trial) as an HTTP detection API on ONNX Runtime')
  .argument('<task-id>', 'a yolov5 training task id or a study controller id')
  .option('--port <n>', 'port (0 picks a free one)', '9000')
  .option('--host <host>', 'address to listen on', '127.0.0.1')
  .option('--name <name>', 'model name in the API paths', 'detector')
  .option('--size <px>', 'input size, a multiple of 32 (default: the training size)')
  .option('--max-batch <n>', 'images per forward pass at most', '16')
  .option('--max-wait-ms <ms>', 'how long the first image waits for others to batch with (0: no batching wait)', '5')
  .option('--max-in-flight <n>', 'predict requests at once; more get 503 + Retry-After', '256')
  .option('--timeout-ms <ms>', 'a predict request not answered in time gets 504', '30000')
  .option('--body-limit-mb <mb>', 'largest request body; larger get 413', '16')
  .option('--max-images <n>', 'images per request at most', '64')
  .addOption(new Option('--runtime <runtime>', 'inference engine').choices(['onnx', 'tfjs']).default('onnx'))
  .option('--instances <n>', 'model instances: forward passes that run at once, each its own session (default: 2 on 2 cores or more, else 1)')
  .option('--threads <n>', 'ONNX Runtime intra-op threads per instance (default: about as many in all as cores: ceil((cores - 1) / instances), at least 1)')
  .option('--follow <controller-id>', "switch to the study's best completed trial whenever it changes")
  .option('--follow-interval-ms <ms>', 'how often --follow checks the study', '10000')
  .option('--cache-dir <dir>', 'exported ONNX cache (default $XDG_CACHE_HOME/hpo/onnx or ~/.cache/hpo/onnx)')
  .action(async (id, options) => (await import('./commands/serve.ts')).serveCommand(id, options, program.opts()));

program
  .command('demo')
  .description('the README main job: synthetic data, a template task and a study on the embedded defaults')
  .option('--trials <n>')
  .option('--json')
  .action(async (options) => (await import('./commands/demo.ts')).demoCommand(options, program.opts()));

// The one exit path: whatever the command left open is closed here, then the exit code is set.
// A handle nobody tracked (a library's timer) cannot hold the exit past a short grace.
program
  .parseAsync(process.argv)
  .then(
    () => 0,
    (error: unknown) => reportError(error, program.opts().logFormat),
  )
  .then(async (code) => {
    await (await import('./resources.ts')).closeAll();
    process.exitCode = code;
    setTimeout(() => process.exit(code), 1_000).unref();
  });
