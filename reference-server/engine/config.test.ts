import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, LIMIT_SPECS, resolveEngineConfig, resolveLimits, type EngineConfigInput } from './config.ts';
import { ServerConfigError, ServerErrorCode } from './errors.ts';

function issuesOf(fn: () => unknown): { path: string; message: string }[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ServerConfigError);
    expect((err as ServerConfigError).code).toBe(ServerErrorCode.CONFIG_INVALID);
    return [...(err as ServerConfigError).issues];
  }
  throw new Error('expected a ServerConfigError');
}

describe('engine config', () => {
  it('has the documented defaults', () => {
    expect(DEFAULT_LIMITS).toEqual({
      maxSessions: 20_000,
      maxPendingRejections: 1024,
      maxPacketSize: 16_384,
      handshakeTimeoutMs: 5000,
      idleTimeoutMs: 60_000,
      rateLimitPerSecond: 10_000,
      rateLimitBurst: 20_000,
      maxOutboundBytes: 1_048_576,
      outboundHardLimitBytes: 4_194_304,
      slowConsumerTimeoutMs: 10_000,
      closeGraceMs: 1000,
      timerResolutionMs: 250,
    });
    expect(Object.isFrozen(DEFAULT_LIMITS)).toBe(true);
    expect(LIMIT_SPECS.map((s) => s.key).sort()).toEqual(Object.keys(DEFAULT_LIMITS).sort());
  });

  it('fills defaults, derives the hard limit, and freezes the result', () => {
    const c = resolveEngineConfig({ port: 7000, limits: { maxOutboundBytes: 2048 }, metrics: { port: 0 } });
    expect(c).toMatchObject({ name: 'server', host: '127.0.0.1', port: 7000, metrics: { host: '127.0.0.1', port: 0 }, shutdownDeadlineMs: 5000 });
    expect(c.limits.outboundHardLimitBytes).toBe(8192);
    expect(c.limits.maxSessions).toBe(20_000);
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.limits)).toBe(true);
  });

  it.each([
    [{ metrics: null }, null],
    [{ metrics: false }, null],
    [{}, null],
    [{ host: '0.0.0.0', metrics: {} }, { host: '0.0.0.0', port: 0 }],
    [{ metrics: { host: '127.0.0.2', port: 9100 } }, { host: '127.0.0.2', port: 9100 }],
  ] as [EngineConfigInput, unknown][])('metrics %j → %j', (input, expected) => {
    expect(resolveEngineConfig(input).metrics).toEqual(expected);
  });

  it.each([
    [{ port: 70000 }, 'port', 'must be <= 65535'],
    [{ port: -1 }, 'port', 'must be >= 0'],
    [{ port: 1.5 }, 'port', 'must be integer'],
    [{ host: '' }, 'host', 'must NOT have fewer than 1 characters'],
    [{ limits: { maxSessions: 0 } }, 'limits.maxSessions', 'must be >= 1'],
    [{ limits: { maxPacketSize: 3 } }, 'limits.maxPacketSize', 'must be >= 4'],
    [{ limits: { maxPacketSize: 70_000 } }, 'limits.maxPacketSize', 'must be <= 65535'],
    [{ limits: { timerResolutionMs: 0 } }, 'limits.timerResolutionMs', 'must be >= 1'],
    [{ limits: { maxSesions: 5 } }, 'limits.maxSesions', 'unknown key'],
    [{ colour: 'red' }, 'colour', 'unknown key'],
    [{ metrics: { port: 'x' } }, 'metrics', 'must be null, false or { host?, port? }'],
    [{ limits: { maxOutboundBytes: 4096, outboundHardLimitBytes: 2048 } }, 'limits.outboundHardLimitBytes', 'must be at least maxOutboundBytes (4096), got 2048'],
  ])('%j is rejected at %s', (input, path, message) => {
    expect(issuesOf(() => resolveEngineConfig(input as EngineConfigInput))).toContainEqual({ path, message });
  });

  it('reports every problem at once', () => {
    const issues = issuesOf(() => resolveEngineConfig({ port: -1, limits: { maxSessions: 0, idleTimeoutMs: -5, nope: 1 } as never }));
    expect(issues.map((i) => i.path).sort()).toEqual(['limits.idleTimeoutMs', 'limits.maxSessions', 'limits.nope', 'port']);
  });

  it('resolveLimits validates on its own', () => {
    expect(resolveLimits({ rateLimitPerSecond: 0 }).rateLimitPerSecond).toBe(0);
    expect(issuesOf(() => resolveLimits({ rateLimitBurst: 0 }))).toEqual([{ path: 'limits.rateLimitBurst', message: 'must be >= 1' }]);
  });
});
