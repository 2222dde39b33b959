/** The reference server engine: transport → session → decoder → registry → handlers → batched writer. */
export * from './errors.ts';
export * from './config.ts';
export * from './transport.ts';
export * from './tcp-transport.ts';
export * from './session.ts';
export * from './session-manager.ts';
export * from './handler-registry.ts';
export * from './outbound-buffer.ts';
export * from './flush-scheduler.ts';
export * from './token-bucket.ts';
export * from './timer-wheel.ts';
export * from './metrics.ts';
export * from './prometheus.ts';
export * from './metrics-http.ts';
export * from './logger.ts';
export * from './server-engine.ts';
