// CI's bounded fuzz smoke: every protocol's correct configuration, a fixed seed and run count.
// A failure (exit 1) fails CI and leaves the shrunk scenario in failures/smoke/.
import { spawnSync } from 'node:child_process';

const protocols = ['broadcast', 'raft', 'paxos', 'cas-paxos', 'master-slave', 'leaderless', 'multi-leader', 'transactions', 'coordination'];
for (const protocol of protocols) {
  const args = ['dist/cli/main.js', 'fuzz', '--protocol', protocol, '--runs', '1000', '--seed', '1', '--no-progress', '--out', 'failures/smoke'];
  console.log(`$ dsim ${args.slice(1).join(' ')}`);
  const result = spawnSync(process.execPath, args, { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
