import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';

/** A Lambda handler as the functions export it (middy returns this shape). */
export type LambdaHandler = (event: unknown, context: Context) => Promise<unknown>;

/**
 * Invokes a handler the way the Lambda service would for Step Functions: the payload and the
 * result cross a JSON boundary (so a `Date` or `undefined` behaves as deployed), the context is a
 * Lambda context with a deadline, and a thrown error reaches the state machine with its `name` as
 * the error and, as the Cause, the JSON document Lambda reports (`errorType`, `errorMessage`).
 */
export async function invokeLocally(
  handler: LambdaHandler,
  functionName: string,
  event: unknown,
  timeoutMs: number,
): Promise<unknown> {
  const payload: unknown = JSON.parse(JSON.stringify(event ?? null));
  const context = lambdaContext(functionName, timeoutMs);
  let result: unknown;
  try {
    result = await handler(payload, context);
  } catch (error) {
    throw asStepFunctionsError(error);
  }
  return result === undefined ? null : JSON.parse(JSON.stringify(result));
}

/** A Lambda context for one local invocation. */
export function lambdaContext(functionName: string, timeoutMs: number): Context {
  // Real time, not the run's clock: a Lambda's deadline is the real time its invocation may take.
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** The error Step Functions sees for a failed Lambda invocation. */
export function asStepFunctionsError(error: unknown): Error {
  const errorType = error instanceof Error ? error.name : 'Error';
  const errorMessage = error instanceof Error ? error.message : String(error);
  const failure = new Error(JSON.stringify({ errorType, errorMessage, trace: [] }));
  failure.name = errorType;
  return failure;
}
