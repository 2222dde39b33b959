/**
 * The coordinator: one run from scenario file to results.
 *
 *   prepare()  scenario ─▶ catalogue ─▶ packet names ─▶ feeders ─▶ worker count ─▶ aggregator
 *              (any problem: ScenarioError / CatalogueError / RunError, exit 104 — nothing started)
 *   execute()  servers (target, or embedded) ─▶ workers ready (barrier) ─▶ start at a common instant
 *              ─▶ each second: server sample, abortOnFail check; worker deltas ─▶ aggregator
 *              ─▶ all workers done ─▶ stop servers ─▶ thresholds ─▶ results + exit code
 *
 * Whatever happens after servers start — a worker crash, Ctrl-C, an
 * abortOnFail threshold — the servers the harness started are stopped and
 * results with everything measured so far are produced.
 */
import { prepareSecurity, type PreparedSecurity } from '../security/prepare.ts';
import { PLAIN_TCP } from '../security/client-security.ts';
import { fileURLToPath } from 'node:url';
import { join, resolve } from 'node:path';
import type { Catalogue } from '../../protocol/catalogue/index.ts';
import type { Endpoint } from '../executors/types.ts';
import { MetricsAggregator } from '../metrics/aggregator.ts';
import { ProcProbe, PrometheusProbe, ServerMonitor, type ResourceProbe } from '../metrics/server-monitor.ts';
import { loadScenario, type ScenarioOverrides } from '../scenario/load.ts';
import { validateAgainstCatalogue } from '../scenario/catalogue-check.ts';
import { ScenarioError, ScenarioErrorCode } from '../scenario/errors.ts';
import type { Scenario } from '../scenario/types.ts';
import { evaluateThreshold, evaluateThresholds } from '../thresholds/evaluate.ts';
import type { ThresholdResult } from '../thresholds/types.ts';
import { loadScenarioCatalogue } from './catalogue-loader.ts';
import { startEmbeddedServers, type EmbeddedServers } from './embedded-servers.ts';
import { collectEnvironment, readToolInfo } from './environment.ts';
import { RunError, RunErrorCode } from './errors.ts';
import { ExitCode } from './exit-codes.ts';
import { loadFeeders } from './feeders.ts';
import type { StopReason, WorkerMessage } from './ipc.ts';
import { plannedDurationMs } from './phase-plan.ts';
import { buildResults, WarningCode, type ResultsV1, type RunStatus, type RunWarning } from './results.ts';
import { WorkerPool, type WorkerHandle } from './worker-pool.ts';
import { decideWorkerCount, type WorkerCountDecision } from './worker-count.ts';

/** The project root (two levels above this file): cwd of workers and TestServers. */
export const PROJECT_ROOT = resolve(fileURLToPath(new URL('../../', import.meta.url)));

/** Options of a {@link Coordinator}. */
export interface CoordinatorOptions {
  scenarioPath: string;
  overrides?: ScenarioOverrides;
  /** `--workers`: overrides the scenario's `workers`. */
  workers?: number;
  projectRoot?: string;
  /** Informational lines (server and worker lifecycle, warnings); default: none. */
  log?: (line: string) => void;
  /** How long workers may take to load and report ready (default 60 s: tsx compiles on first use). */
  workerReadyTimeoutMs?: number;
  /** Delay between the start message and the common start instant (default 500 ms). */
  startDelayMs?: number;
  /** Slack past planned duration + graceful stops before a run is declared hung (default 60 s). */
  finishMarginMs?: number;
  /** After a stop's grace period, how long to wait before SIGKILLing workers (default 5 s). */
  killMarginMs?: number;
}

/** What a run produced. */
export interface RunOutcome {
  results: ResultsV1;
  exitCode: ExitCode;
}

/** One run; see the module comment. */
export class Coordinator {
  private readonly options: CoordinatorOptions;
  private readonly projectRoot: string;
  private readonly log: (line: string) => void;
  private scenarioValue: Scenario | null = null;
  private aggregatorValue: MetricsAggregator | null = null;
  private decision: WorkerCountDecision | null = null;
  private pool: WorkerPool | null = null;
  private servers: EmbeddedServers | null = null;
  /** Transport and auth material of the run (certificates, JWT key), made before the servers start. */
  private security: PreparedSecurity | null = null;
  private readonly warnings: RunWarning[] = [];
  private readonly cancel = new AbortController();
  private stop: { reason: StopReason; atMs: number; detail: string } | null = null;
  private error: RunError | null = null;
  private forced = false;
  private startWallMs = 0;
  private currentPhase = 0;
  private killTimer: NodeJS.Timeout | null = null;

  constructor(options: CoordinatorOptions) {
    this.options = options;
    this.projectRoot = options.projectRoot ?? PROJECT_ROOT;
    this.log = options.log ?? (() => undefined);
  }

  /** The scenario as loaded (after {@link prepare}). */
  get scenario(): Scenario {
    if (this.scenarioValue === null) throw new Error('Coordinator.prepare() was not called');
    return this.scenarioValue;
  }

  /** The metrics aggregator (after {@link prepare}): progress output listens to its events. */
  get aggregator(): MetricsAggregator {
    if (this.aggregatorValue === null) throw new Error('Coordinator.prepare() was not called');
    return this.aggregatorValue;
  }

  /** The worker count and why (after {@link prepare}). */
  get workers(): WorkerCountDecision {
    if (this.decision === null) throw new Error('Coordinator.prepare() was not called');
    return this.decision;
  }

  /**
   * Loads and checks everything before anything starts. Throws
   * `ScenarioError` (scenario or packet names), `CatalogueError`, or
   * {@link RunError} `NMT_RUN_FEEDER` — all exit 104.
   */
  prepare(): void {
    const path = resolve(this.options.scenarioPath);
    const scenario = loadScenario(path, this.options.overrides ?? {});
    const catalogue: Catalogue = loadScenarioCatalogue(scenario);
    const issues = validateAgainstCatalogue(scenario, new Set(catalogue.packets.map((p) => p.name)), {
      fieldsOf: (name) => {
        const codec = catalogue.byName(name);
        return codec === undefined || codec.protobufType !== null ? undefined : codec.fields.map((f) => f.name);
      },
    });
    if (issues.length > 0) throw new ScenarioError(ScenarioErrorCode.INVALID, this.options.scenarioPath, issues);
    // Workers load the rows themselves; reading them here reports a bad file before anything starts.
    loadFeeders(scenario.feeders);
    this.scenarioValue = scenario;
    this.decision = decideWorkerCount(scenario, this.options.workers);
    this.aggregatorValue = new MetricsAggregator({
      workers: this.decision.workers,
      phaseNames: scenario.phases.map((p) => p.name),
    });
  }

  /**
   * First Ctrl-C: stop starting work; in-flight requests get the current
   * phase's gracefulStop (default 2 s); final deltas are collected.
   */
  interrupt(): void {
    this.requestStop('interrupt', 'interrupted (SIGINT/SIGTERM)');
  }

  /** Second Ctrl-C: kill workers and servers now; results keep what arrived. */
  forceStop(): void {
    this.forced = true;
    this.requestStop('interrupt', 'interrupted twice: killed');
    this.pool?.killAll();
    this.servers?.killNow();
  }

  /** Runs the prepared scenario to the end; never throws for run problems (they are in the outcome). */
  async execute(): Promise<RunOutcome> {
    const scenario = this.scenario;
    const agg = this.aggregator;
    const startedAt = new Date();
    const environment = collectEnvironment(this.projectRoot);
    let endpoints: Endpoint[] = [];
    let monitor: ServerMonitor | null = null;
    let sampler: NodeJS.Timeout | null = null;
    try {
      this.security = prepareSecurity(scenario);
      for (const note of this.security.notes) this.log(note);
      ({ endpoints, monitor } = await this.resolveTarget(scenario));
      if (this.stop === null) {
        await this.runWorkers(scenario, endpoints, monitor, (t) => (sampler = t));
      }
    } catch (err) {
      if (err !== null) this.fail(err);
    } finally {
      if (sampler !== null) clearTimeout(sampler);
      if (this.killTimer !== null) clearTimeout(this.killTimer);
      this.pool?.killAll();
      this.pool?.disconnectAll();
      if (this.servers !== null) {
        this.log(`stopping ${this.servers.servers.length} embedded server(s)`);
        if (this.forced) this.servers.killNow();
        await this.servers.stop(this.forced ? 0 : undefined);
      }
      this.security?.dispose();
    }
    agg.finish();
    if (monitor !== null) {
      for (const e of monitor.errors()) this.warn(WarningCode.SERVER_MONITOR, e);
    }
    for (const f of agg.saturation()) this.warn(WarningCode.HARNESS_SATURATED, f.message);
    const thresholds: ThresholdResult[] = evaluateThresholds(scenario.thresholds, agg);
    const failed = thresholds.some((t) => !t.ok);
    const exitCode: ExitCode =
      this.error !== null
        ? this.error.exitCode
        : this.stop?.reason === 'interrupt'
          ? ExitCode.Interrupted
          : failed
            ? ExitCode.ThresholdsFailed
            : ExitCode.Pass;
    const status: RunStatus =
      exitCode === ExitCode.Pass
        ? 'passed'
        : exitCode === ExitCode.ThresholdsFailed
          ? 'thresholds-failed'
          : exitCode === ExitCode.Interrupted
            ? 'interrupted'
            : 'error';
    const results = buildResults(agg, {
      tool: readToolInfo(this.projectRoot),
      scenario,
      startedAt,
      endedAt: new Date(),
      status,
      stop: this.stop,
      error: this.error === null ? null : { code: this.error.code, message: this.error.message, stderrTail: this.error.stderrTail },
      workers: this.workers,
      endpoints,
      servers: this.servers?.servers ?? [],
      serverMonitored: monitor === null ? [] : this.monitoredLabels(scenario),
      environment,
      thresholds,
      warnings: this.warnings,
      exitCode,
    });
    return { results, exitCode };
  }

  private monitoredLabels(scenario: Scenario): string[] {
    if (this.servers !== null) return this.servers.servers.map((s) => `pid ${s.pid}`);
    return scenario.target?.metricsUrl ? [scenario.target.metricsUrl] : [];
  }

  private async resolveTarget(scenario: Scenario): Promise<{ endpoints: Endpoint[]; monitor: ServerMonitor | null }> {
    if (scenario.target !== null) {
      const t = scenario.target;
      this.log(`target ${t.host}:${t.port}${t.metricsUrl ? ` (server metrics from ${t.metricsUrl})` : ''}`);
      const probes: ResourceProbe[] = t.metricsUrl ? [new PrometheusProbe(t.metricsUrl)] : [];
      return { endpoints: [{ host: t.host, port: t.port }], monitor: probes.length > 0 ? new ServerMonitor(probes) : null };
    }
    const what = scenario.server.command === null ? 'TestServer' : scenario.server.command.join(' ');
    this.log(`starting ${scenario.server.processes} embedded server process(es): ${what}`);
    this.servers = await startEmbeddedServers(scenario, {
      projectRoot: this.projectRoot,
      extraFlags: this.security?.serverFlags ?? [],
      onUnexpectedExit: (info, code, signal, tail) => {
        this.warn(
          WarningCode.SERVER_EXITED,
          `embedded server pid ${info.pid} (port ${info.port}) exited during the run ` +
            `(${signal !== null ? `signal ${signal}` : `code ${code}`})${tail === '' ? '' : `; its last output:\n${tail}`}`,
        );
      },
    });
    // A Ctrl-C that arrived while they started: they are stopped in execute()'s finally.
    for (const s of this.servers.servers) this.log(`server pid ${s.pid} ready on ${s.host}:${s.port}`);
    return {
      endpoints: this.servers.endpoints,
      monitor: new ServerMonitor(this.servers.servers.map((s) => new ProcProbe(s.pid))),
    };
  }

  private async runWorkers(
    scenario: Scenario,
    endpoints: Endpoint[],
    monitor: ServerMonitor | null,
    setSampler: (t: NodeJS.Timeout) => void,
  ): Promise<void> {
    const workers = this.workers.workers;
    this.log(`starting ${workers} worker(s) (${this.workers.reason})`);
    const pool = new WorkerPool({
      count: workers,
      script: join(this.projectRoot, 'harness', 'runner', 'worker-main.ts'),
      projectRoot: this.projectRoot,
      initFor: (index) => ({
        type: 'init',
        worker: index,
        workers,
        scenarioPath: resolve(this.options.scenarioPath),
        overrides: this.options.overrides ?? {},
        endpoints,
        security: this.security?.client ?? PLAIN_TCP,
      }),
    });
    this.pool = pool;
    pool.on('message', (w, m) => this.onWorkerMessage(w, m));
    pool.on('exit', (w) => this.onWorkerExit(w));
    pool.start();
    await pool.waitReady(this.options.workerReadyTimeoutMs ?? 60_000, this.cancel.signal);
    await monitor?.baseline();
    if (this.stop !== null) return;

    this.startWallMs = Date.now() + (this.options.startDelayMs ?? 500);
    pool.broadcast({ type: 'start', startWallMs: this.startWallMs });
    this.log(`run started: ${scenario.phases.length} phase(s), ${Math.round(plannedDurationMs(scenario) / 1000)} s planned`);

    // Once a second, mid-second (ticks land on whole seconds): sample servers, check abortOnFail.
    const everySecond = (): void => {
      const elapsed = Date.now() - this.startWallMs;
      this.onSecond(elapsed, monitor).catch((err: unknown) => {
        this.warn(WarningCode.METRICS, `per-second check failed: ${err instanceof Error ? err.message : String(err)}`);
      });
      const next = (Math.floor(elapsed / 1000) + 1) * 1000 + 500;
      setSampler(setTimeout(everySecond, Math.max(10, next - elapsed)));
    };
    setSampler(setTimeout(everySecond, Math.max(10, this.startWallMs + 500 - Date.now())));

    const graceTotal = scenario.phases.reduce((a, p) => a + p.gracefulStopMs, 0);
    const deadlineMs = (this.options.startDelayMs ?? 500) + plannedDurationMs(scenario) + graceTotal + (this.options.finishMarginMs ?? 60_000);
    const deadline = setTimeout(() => {
      this.fail(
        new RunError(
          RunErrorCode.WORKER_TIMEOUT,
          `workers did not finish within ${Math.round(deadlineMs / 1000)} s (planned duration + graceful stops + margin); they were stopped`,
        ),
      );
    }, deadlineMs);
    try {
      await pool.allExited();
    } finally {
      clearTimeout(deadline);
    }
  }

  private async onSecond(elapsedMs: number, monitor: ServerMonitor | null): Promise<void> {
    if (monitor !== null) {
      const sample = await monitor.sample(elapsedMs);
      if (sample !== null) this.aggregator.addServerSample(sample);
    }
    if (this.stop !== null) return;
    for (const t of this.scenario.thresholds) {
      if (!t.abortOnFail || elapsedMs < t.delayAbortEvalMs) continue;
      const r = evaluateThreshold(t, this.aggregator);
      // No data yet is not a reason to abort: the metric may simply not have samples so far.
      if (!r.ok && r.measured !== null) {
        this.log(`abortOnFail: ${r.expr} failed (measured ${r.measuredText}); stopping the run`);
        this.requestStop('threshold', `abortOnFail threshold failed: ${r.expr} (measured ${r.measuredText}, target ${r.targetText})`);
        return;
      }
    }
  }

  private onWorkerMessage(w: WorkerHandle, m: WorkerMessage): void {
    switch (m.type) {
      case 'delta':
        try {
          this.aggregator.addDelta(m.delta);
        } catch (err) {
          this.warn(WarningCode.METRICS, `worker ${w.index}: ${(err as Error).message}`);
        }
        return;
      case 'phase':
        if (m.event === 'start') {
          if (m.index > this.currentPhase) this.currentPhase = m.index;
          this.aggregator.phaseStarted(m.index, m.atMs);
        }
        return;
      case 'warning':
        this.warn(WarningCode.WORKER, m.message);
        return;
      case 'done':
        this.aggregator.workerGone(w.index);
        return;
      default:
        return;
    }
  }

  private onWorkerExit(w: WorkerHandle): void {
    this.aggregator.workerGone(w.index);
    if (w.done || w.killed || !w.ready) return;
    // Died mid-run: a run error; stop the others, keep what was measured.
    this.fail(this.pool!.describeFailure(w));
  }

  private fail(err: unknown): void {
    if (this.error === null) {
      this.error =
        err instanceof RunError
          ? err
          : new RunError(RunErrorCode.INTERNAL, `run failed unexpectedly: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      this.log(`run error: ${this.error.message}`);
    }
    this.requestStop('error', this.error.message);
  }

  private requestStop(reason: StopReason, detail: string): void {
    this.cancel.abort();
    if (this.stop === null) {
      this.stop = { reason, atMs: this.startWallMs === 0 ? 0 : Date.now() - this.startWallMs, detail };
    }
    const pool = this.pool;
    if (pool === null) return;
    const graceMs = reason === 'error' ? 2000 : (this.scenarioValue?.phases[this.currentPhase]?.gracefulStopMs ?? 2000);
    pool.broadcast({ type: 'stop', reason, graceMs });
    if (this.killTimer === null && !this.forced) {
      // Workers that outlive their grace (plus margin) are killed; what they sent is kept.
      this.killTimer = setTimeout(() => pool.killAll(), graceMs + (this.options.killMarginMs ?? 5000));
    }
  }

  private warn(code: string, message: string): void {
    if (this.warnings.some((w) => w.code === code && w.message === message)) return;
    this.warnings.push({ code, message });
    this.log(`warning: ${message}`);
  }
}
