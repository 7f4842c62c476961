import { CliError, EXIT_CODES } from '../cli-error';

/** What an AWS call was trying to do, for the message a person reads when it fails. */
export interface AwsCallContext {
  /** The IAM action, e.g. `states:StartExecution`: what to grant when access is denied. */
  readonly action: string;
  /** What it was done on: an ARN, a bucket, a stack or schedule group name. */
  readonly target: string;
}

/** Error names AWS services use for "your identity may not do this". */
const ACCESS_DENIED = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'UnauthorizedOperation',
  'AuthorizationError',
  'Forbidden',
]);

/** Error names for credentials AWS did not accept (expired, unknown, badly signed). */
const BAD_CREDENTIALS = new Set([
  'ExpiredToken',
  'ExpiredTokenException',
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'InvalidAccessKeyId',
  'TokenRefreshRequired',
]);

/** Node's codes for "the endpoint could not be reached". */
const NETWORK_CODES = new Set([
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
]);

/** The name of an error thrown by an AWS SDK client, or `undefined` when it is not an error. */
export function awsErrorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}

/**
 * Turns an AWS SDK failure into a {@link CliError} that says what to fix: no credentials, no
 * region, credentials refused or access denied are the user's set-up (exit 2); anything else is
 * reported with the action that failed (exit 1).
 */
export function toCliError(error: unknown, context: AwsCallContext): CliError {
  if (error instanceof CliError) return error;
  const name = awsErrorName(error) ?? 'Error';
  const message = error instanceof Error ? error.message : String(error);
  if (name === 'CredentialsProviderError' || /could not load credentials/i.test(message)) {
    return new CliError(
      `no AWS credentials found (${message.split('\n')[0]}). Set AWS_PROFILE or pass --profile, ` +
        'run "aws sso login" if your profile uses SSO, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY',
      EXIT_CODES.usage,
      { cause: error },
    );
  }
  if (/region is missing/i.test(message)) {
    return new CliError(
      'no AWS region: pass --region, set AWS_REGION, or set a region in your AWS profile',
      EXIT_CODES.usage,
      { cause: error },
    );
  }
  if (ACCESS_DENIED.has(name)) {
    return new CliError(
      `AWS denied ${context.action} on ${context.target} (${name}: ${message}). ` +
        `Use credentials allowed to call ${context.action} (--profile), or ask for that permission`,
      EXIT_CODES.usage,
      { cause: error },
    );
  }
  if (BAD_CREDENTIALS.has(name)) {
    return new CliError(
      `AWS did not accept your credentials (${name}: ${message}). ` +
        'Refresh them (e.g. "aws sso login") or pass --profile with valid ones',
      EXIT_CODES.usage,
      { cause: error },
    );
  }
  const code = error instanceof Error && 'code' in error ? String(error.code) : undefined;
  if ((code !== undefined && NETWORK_CODES.has(code)) || name === 'TimeoutError') {
    return new CliError(
      `cannot reach AWS for ${context.action} (${code ?? name}): check the network, a proxy, and --region`,
      EXIT_CODES.internal,
      { cause: error },
    );
  }
  return new CliError(
    `${context.action} on ${context.target} failed: ${name}: ${message}`,
    EXIT_CODES.internal,
    {
      cause: error,
    },
  );
}

/**
 * Runs one AWS call. Errors whose name is a key of `expected` are handed to that function (which
 * returns a value or throws its own {@link CliError}); every other failure goes through
 * {@link toCliError}.
 */
export async function awsCall<T>(
  context: AwsCallContext,
  call: () => Promise<T>,
  expected: Readonly<Record<string, (error: Error) => T>> = {},
): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const handle =
      error instanceof Error && Object.hasOwn(expected, error.name) ? expected[error.name] : undefined;
    if (handle && error instanceof Error) return handle(error);
    throw toCliError(error, context);
  }
}
