import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy, { type MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import type * as z from 'zod';
import { now } from '../clock';
import { InvalidInputError, WorkflowError } from '../errors';
import { parseOrThrow } from '../validation';
import { DEPLOYMENT_DIMENSION, METRICS_NAMESPACE } from './metric-names';
import { type StepEnvironment, stepEnvironment } from './step-environment';

export { DEPLOYMENT_DIMENSION, METRICS_NAMESPACE } from './metric-names';

/** Powertools utilities shared by every step. */
export interface StepTools {
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly tracer: Tracer;
}

/**
 * What every step is given by {@link createStepHandler}: its tools, its clock and its environment.
 * A step never reads the wall clock or `process.env` itself, so a local run (or a test) that sets
 * the run's clock and environment is followed by every step alike.
 */
export interface StepContext {
  readonly tools: StepTools;
  /** The run's clock: the system clock in Lambda, the run clock in local runs and tests. */
  readonly now: () => Date;
  /** The function's environment, parsed once (see step-environment.ts). */
  readonly env: StepEnvironment;
}

/** What {@link createStepHandler} needs to wire one step. */
export interface StepDefinition<S extends z.ZodType, D, R> {
  /** The step's name, used as the Powertools service name and in messages. */
  readonly step: string;
  /** The schema of the step's input; a mismatch fails with {@link InvalidInputError}. */
  readonly input: S;
  /**
   * Builds the step's dependencies (a Milvus gateway, a report store...) from the step's context,
   * whose `now` is the only clock a step may use. Called per invocation.
   */
  readonly dependencies: (context: StepContext) => Promise<D> | D;
  /** The step's logic: a pure core given typed input and its dependencies (and the context, for metrics). */
  readonly run: (input: z.infer<S>, dependencies: D, context: StepContext) => Promise<R>;
  /** Called when `run` or `dependencies` throws, e.g. to drop a cached connection. */
  readonly onError?: (error: unknown) => void;
}

/**
 * Wires a step: middy with Powertools (logger with the Lambda context, tracer, metrics), input
 * parsing, and a log line for every failure. The handler itself holds no logic.
 *
 * Errors are re-thrown unchanged so Step Functions sees their `name` (Retry/Catch match on it);
 * anything that is not one of our typed errors is logged as a bug.
 */
export function createStepHandler<S extends z.ZodType, D, R>(definition: StepDefinition<S, D, R>) {
  const tools: StepTools = {
    logger: new Logger({ serviceName: definition.step }),
    metrics: new Metrics({ namespace: METRICS_NAMESPACE, serviceName: definition.step }),
    tracer: new Tracer({ serviceName: definition.step }),
  };

  const handle = async (event: unknown, _context: Context): Promise<R> => {
    const target = collectionOf(event);
    if (target) tools.logger.appendKeys({ collection: target });
    try {
      // Parsed before any dependency is built: a bad input never reaches Milvus.
      const input = parseOrThrow(
        definition.input,
        event,
        `${definition.step} input`,
        (m) => new InvalidInputError(m),
      );
      const context: StepContext = { tools, now, env: stepEnvironment() };
      // A default dimension: Powertools adds it to every metric, single metrics included.
      if (context.env.DEPLOYMENT_ID) {
        tools.metrics.setDefaultDimensions({ [DEPLOYMENT_DIMENSION]: context.env.DEPLOYMENT_ID });
      }
      const dependencies = await definition.dependencies(context);
      return await definition.run(input, dependencies, context);
    } catch (error) {
      definition.onError?.(error);
      if (error instanceof WorkflowError) {
        tools.logger.warn(`${definition.step} failed`, {
          errorName: error.name,
          errorMessage: error.message,
        });
      } else {
        tools.logger.error(`${definition.step} failed unexpectedly`, error as Error);
      }
      throw error;
    } finally {
      if (target) tools.logger.removeKeys(['collection']);
    }
  };

  return middy(handle)
    .use(injectLambdaContext(tools.logger))
    .use(captureLambdaHandler(tools.tracer))
    .use(publishMetrics(tools.metrics));
}

/**
 * Publishes the metrics a step recorded, after it succeeds or fails. Unlike Powertools'
 * `logMetrics`, it stays silent for the many invocations that record none (a flush check that is
 * not done yet, a prepare step), instead of logging a warning each time.
 */
export function publishMetrics(metrics: Metrics): MiddlewareObj {
  const flush = async (): Promise<void> => {
    if (metrics.hasStoredMetrics()) {
      metrics.publishStoredMetrics();
    } else {
      metrics.clearDimensions();
      metrics.clearMetadata();
    }
  };
  return { after: flush, onError: flush };
}

/** `database.collection` of a step input that names a collection, for log context. */
function collectionOf(input: unknown): string | undefined {
  const target = (input as { target?: { database?: unknown; collection?: unknown } } | null)?.target;
  return typeof target?.database === 'string' && typeof target.collection === 'string'
    ? `${target.database}.${target.collection}`
    : undefined;
}
