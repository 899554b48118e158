/** A 5-node broadcast cluster under load and faults, for at least 1,000,000 kernel events. */
export const MILLION_EVENT_SCENARIO = {
  name: 'million-events',
  protocol: 'broadcast',
  nodes: 5,
  duration: '40s',
  network: { latency: { dist: 'exponential', mean: '5ms', min: '1ms' }, loss: 0.01, duplicate: 0.01 },
  // Broadcast-only: a broadcast read returns every value, which would measure the protocol's
  // data rather than the simulator.
  workload: { model: 'broadcast', clients: 20, rate: '1000/s', mix: { broadcast: 1 } },
  faults: [
    { at: '5s', partition: 'majority-minority', for: '5s' },
    { at: '15s', crash: 'n2', for: '3s' },
  ],
  heal: { quiesce: '2s' },
  checks: ['broadcast-delivered'],
};
