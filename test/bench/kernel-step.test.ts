/**
 * The kernel benchmark's protocol-step pair does the same work on both sides: the same protocol,
 * the same closed-loop clients, so the same steps per reply (request, replicate, ack) and nearly the
 * same number of steps in the same virtual time (their random draws differ, nothing else).
 */
import { describe, expect, it } from 'vitest';
import { handStepRun, kernelStepRun } from '../../bench/kernel-step.js';

describe('kernel benchmark: protocol-step pair', () => {
  it('runs the same protocol on both sides: steps, replies and steps per reply agree', () => {
    const kernel = kernelStepRun(1_000_000);
    const hand = handStepRun(1_000_000);
    expect(kernel.replies).toBeGreaterThan(10_000);
    expect(Math.abs(kernel.steps - hand.steps) / hand.steps).toBeLessThan(0.03);
    expect(Math.abs(kernel.replies - hand.replies) / hand.replies).toBeLessThan(0.03);
    expect(kernel.steps / kernel.replies).toBeCloseTo(hand.steps / hand.replies, 1);
  });

  it('is deterministic in the kernel: same trace hash twice', () => {
    expect(kernelStepRun(200_000).hash).toBe(kernelStepRun(200_000).hash);
  });
});
