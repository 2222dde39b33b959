/**
 * Calibration: the project's server and harness measured against a C
 * reference (calibration/src) in the same run, as fractions of what this
 * machine can do. See docs/performance.md; `npm run bench -- --calibrate`.
 */
export { buildCalibrationTools, type CalibrationTools, type BuildOptions } from './build.ts';
export { runCalibration, testServerArgs, formatRate, type CalibrationOptions } from './run.ts';
export { runLoadClient, loadClientArgs, parseLoadClientResult } from './c-client.ts';
export { runHarnessProbe } from './probe-process.ts';
export { measureHarness, probeScenario, echoCatalogue, ECHO_REQ_ID, ECHO_RES_ID } from './probe.ts';
export { startCalibrationServer, CalibrationServer, type ServerSpawn } from './server-process.ts';
export { median, spreadOf, pairRatio, meetsTarget, summariseComparison } from './fractions.ts';
export { formatCalibration, failedTargets } from './report.ts';
export { CalibrationError, CalibrationErrorCode } from './errors.ts';
export type * from './types.ts';
