import type { Environment } from '../../core/index.ts';

/** The lines `hpo tasks show` prints for a task's environment: where, who, which code and packages. */
export function describeEnvironment(env: Environment): string[] {
  const lines = [`environment: node ${env.node} on ${env.host} (${env.platform}, ${env.cpus.count} x ${env.cpus.model})`];
  if (env.run) {
    const who = [env.run.agent ? `agent ${env.run.agent}` : 'a local process', env.run.slot !== undefined ? `slot ${env.run.slot}` : '', env.run.gpu !== undefined ? `GPU ${env.run.gpu}` : ''];
    lines.push(`  ran by ${who.filter(Boolean).join(', ')} (pid ${env.run.pid})`);
  }
  if (env.gpus?.length) lines.push(`  gpus: ${env.gpus.join('; ')}`);
  if (env.git) lines.push(`  git ${env.git.commit.slice(0, 12)}${env.git.dirty ? ' (dirty, diff recorded)' : ''}${env.git.dir ? ` in ${env.git.dir}` : ''}`);
  if (env.backend) lines.push(`  backend ${env.backend}`);
  if (env.python) {
    const py = env.python;
    const torch = py.torch ? `, torch ${py.torch}${py.cuda ? ` (CUDA ${py.cuda}${py.cudaAvailable ? '' : ', no GPU visible'})` : ' (CPU build)'}` : '';
    lines.push(`  python ${py.version} (${py.executable})${torch}, ${py.packages.length} packages (${py.packagesFrom}; --json lists them)`);
  }
  const hpo = env.packages.hpo;
  if (hpo) lines.push(`  hpo ${hpo}`);
  return lines;
}
