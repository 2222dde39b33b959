/** TestClient library: one connection, async API, pipelined pings, typed errors. */
export { TestClient, formatEndpoint } from './test-client.ts';
export * from './client-options.ts';
export * from './errors.ts';
export { framePacket } from './frame-packet.ts';
export { MAX_IN_FLIGHT } from './ping-run.ts';
export type { PacketListener } from './packet-taps.ts';
export { RTT_HISTOGRAM_SETTINGS, createRttHistogram, recordRtt, summarizeRtt, type RttSummary } from './rtt-stats.ts';
export { ExitCode, runClientCli, type CliIO, type ClientCliResult } from './cli-run.ts';
export { CLI_DEFAULTS, parseClientArgs, clientHelpText, type ClientCliOptions } from './cli-args.ts';
