/**
 * Admin commands: single-server membership changes and leadership transfer.
 *
 * Membership changes one server at a time (any two majorities of consecutive configurations
 * overlap). A configuration takes effect as soon as it is appended; the next change waits until
 * it commits, and until the leader has committed an entry of its own term (otherwise a change
 * could be decided on by a leader whose predecessor's uncommitted change it never saw). A leader
 * that removed itself steps down once the removal commits.
 */
import type { AdminCommand } from '../../core/protocol.js';
import type { NodeId } from '../../core/ids.js';
import { append, lastIndex, votersHash } from './log.js';
import { advanceCommit, broadcastAppend, sendAppend } from './replication.js';
import { TIMER_TRANSFER, becomeFollower, isVoter, persist } from './roles.js';
import type { Env, MembershipChange, RaftState } from './types.js';

const MAX_QUEUED_CHANGES = 16;
/** A forwarded command travels at most this many hops (stale leader hints could bounce it). */
const MAX_FORWARD_HOPS = 3;

export function onAdminCommand(state: RaftState, env: Env, command: AdminCommand, hops = 0): void {
  switch (command.name) {
    case 'add-server':
    case 'remove-server': {
      const node = command.args['node'];
      if (typeof node !== 'string' || node === '') throw new Error(`${command.name} needs args { node: "nN" }`);
      if (!forwardUnlessLeader(state, env, command, hops)) return;
      const leader = state.leader!;
      if (leader.membershipQueue.length >= MAX_QUEUED_CHANGES) {
        env.ctx.note('membership-refused', { reason: 'too many queued changes', command: command.name, node });
        return;
      }
      leader.membershipQueue.push({ name: command.name, node });
      nextMembershipChange(state, env);
      return;
    }
    case 'transfer-leadership': {
      const to = command.args['to'];
      if (to !== undefined && typeof to !== 'string') throw new Error('transfer-leadership takes args { to: "nN" } (or none: the most up-to-date voter)');
      if (!forwardUnlessLeader(state, env, command, hops)) return;
      startTransfer(state, env, to);
      return;
    }
    default:
      throw new Error(`raft has no command ${JSON.stringify(command.name)} (known: add-server, remove-server, transfer-leadership)`);
  }
}

/** True when this node leads; otherwise hands the command to the leader it knows, if any. */
function forwardUnlessLeader(state: RaftState, env: Env, command: AdminCommand, hops: number): boolean {
  if (state.role === 'leader') return true;
  if (state.leaderId !== null && state.leaderId !== state.self && hops < MAX_FORWARD_HOPS) {
    env.ctx.send(state.leaderId, { type: 'admin', name: command.name, args: { ...command.args }, hops: hops + 1 });
  } else {
    env.ctx.note('command-dropped', { command: command.name, reason: 'no known leader' });
  }
  return false;
}

/** Called after every commit advance on the leader. */
export function afterCommit(state: RaftState, env: Env): void {
  if (state.leader === null) return;
  if (state.config.index <= state.commitIndex && !isVoter(state, state.self)) {
    env.ctx.note('removed-self', { term: state.currentTerm });
    becomeFollower(state, env, state.currentTerm, null);
    return;
  }
  nextMembershipChange(state, env);
}

function nextMembershipChange(state: RaftState, env: Env): void {
  const leader = state.leader;
  // Bounded: each pass removes one queued change.
  while (leader !== null && leader.membershipQueue.length > 0) {
    if (state.config.index > state.commitIndex) return; // the previous change has not committed
    if (state.commitIndex < leader.termStartIndex) return; // no entry of this term committed yet
    const change = leader.membershipQueue.shift()!;
    const voters = nextVoters(state.config.voters, change);
    if (voters === undefined) {
      env.ctx.note('membership-noop', { command: change.name, node: change.node });
      continue;
    }
    const index = lastIndex(state.log) + 1;
    append(state.log, { kind: 'config', index, term: state.currentTerm, voters, hash: votersHash(voters) });
    state.config = { voters: [...voters], index };
    persist(state, env);
    syncPeers(state);
    env.ctx.note('membership', { command: change.name, node: change.node, voters });
    broadcastAppend(state, env);
    advanceCommit(state, env);
    return;
  }
}

function nextVoters(current: readonly NodeId[], change: MembershipChange): NodeId[] | undefined {
  switch (change.name) {
    case 'add-server':
      return current.includes(change.node) ? undefined : [...current, change.node];
    case 'remove-server': {
      if (!current.includes(change.node) || current.length <= 1) return undefined;
      return current.filter((v) => v !== change.node);
    }
  }
}

/** The leader replicates to exactly the voters of its latest configuration. */
function syncPeers(state: RaftState): void {
  const leader = state.leader!;
  const next = lastIndex(state.log);
  leader.peers = state.config.voters
    .filter((v) => v !== state.self)
    .map((id) => leader.peers.find((p) => p.id === id) ?? { id, nextIndex: next, matchIndex: 0, ackedRound: 0, active: true, snapshotRound: -1 });
}

function startTransfer(state: RaftState, env: Env, to: NodeId | undefined): void {
  const leader = state.leader!;
  const candidates = leader.peers.filter((p) => (to === undefined ? true : p.id === to));
  if (candidates.length === 0) {
    env.ctx.note('transfer-refused', { to: to ?? null, reason: 'not a voter other than the leader' });
    return;
  }
  const target = candidates.reduce((best, p) => (p.matchIndex > best.matchIndex ? p : best));
  // No lease reads from here on, in this term: the target campaigns without waiting for leases to
  // run out, whenever its TimeoutNow arrives, even after the transfer was abandoned.
  leader.leaseUntilUs = 0;
  leader.leaseForfeited = true;
  leader.transfer = { to: target.id, deadlineUs: env.ctx.now() + env.options.electionTimeoutMaxUs };
  env.ctx.setTimer(TIMER_TRANSFER, env.options.electionTimeoutMaxUs);
  env.ctx.note('transfer', { to: target.id });
  if (target.matchIndex === lastIndex(state.log)) env.ctx.send(target.id, { type: 'timeout-now', term: state.currentTerm });
  else sendAppend(state, env, target);
}

/** The transfer did not complete in an election timeout: take client writes again. */
export function onTransferTimeout(state: RaftState, env: Env): void {
  if (state.leader === null || state.leader.transfer === null) return;
  env.ctx.note('transfer-abandoned', { to: state.leader.transfer.to });
  state.leader.transfer = null;
}
