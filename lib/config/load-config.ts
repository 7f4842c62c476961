import { existsSync, readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import type { z } from 'zod';
import { formatJsonPath, showValue } from '../../functions/shared/retention-policy';
import { type DeploymentConfig, deploymentConfigSchema } from './deployment-config';

/** The environment variable that names the configuration file. */
export const CONFIG_ENV_VAR = 'SNAPSHOT_SCHEDULER_CONFIG';

/** The CDK context key that names the configuration file (`cdk synth -c config=path`). */
export const CONFIG_CONTEXT_KEY = 'config';

/** Files tried, in order, when no path is given: the user's own, then the example. */
export const DEFAULT_CONFIG_FILES = ['scheduler.config.json', 'examples/scheduler.config.json'] as const;

/** Key that may appear in any object of the file to explain it; removed before validation. */
export const COMMENT_KEY = '$comment';

/** One problem in a configuration file, located by its JSON path. */
export interface ConfigIssue {
  /** e.g. `$.schedules.nightly.cron` */
  readonly path: string;
  readonly message: string;
}

/** The configuration file is missing, not JSON, or not valid; the message lists every problem. */
export class DeploymentConfigError extends Error {
  public readonly issues: readonly ConfigIssue[];

  public constructor(source: string, issues: readonly ConfigIssue[], options?: ErrorOptions) {
    const lines = issues.map((i) => `  - ${i.path}: ${i.message}`).join('\n');
    super(`invalid configuration ${source}:\n${lines}`, options);
    this.name = 'DeploymentConfigError';
    this.issues = issues;
  }
}

/** Where to look for the configuration. */
export interface ConfigLocationOptions {
  /** An explicit path, e.g. from `cdk synth -c config=path`. Wins over everything else. */
  readonly path?: string;
  /** @default process.env (for {@link CONFIG_ENV_VAR}) */
  readonly env?: NodeJS.ProcessEnv;
  /** Relative paths are resolved against this. @default process.cwd() */
  readonly cwd?: string;
}

/**
 * The configuration file to use: the explicit path, else `$SNAPSHOT_SCHEDULER_CONFIG`, else
 * `scheduler.config.json`, else the example `examples/scheduler.config.json`.
 *
 * @throws DeploymentConfigError when an explicitly named file does not exist
 */
export function resolveConfigPath(options: ConfigLocationOptions = {}): string {
  const cwd = options.cwd ?? process.cwd();
  const named = options.path ?? (options.env ?? process.env)[CONFIG_ENV_VAR];
  if (named) {
    const path = resolve(cwd, named);
    if (!existsSync(path)) {
      const how = options.path ? `-c ${CONFIG_CONTEXT_KEY}=${named}` : `${CONFIG_ENV_VAR}=${named}`;
      throw new DeploymentConfigError(path, [
        { path: '$', message: `the file does not exist (named by ${how})` },
      ]);
    }
    return path;
  }
  for (const candidate of DEFAULT_CONFIG_FILES) {
    const path = resolve(cwd, candidate);
    if (existsSync(path)) return path;
  }
  throw new DeploymentConfigError(resolve(cwd, DEFAULT_CONFIG_FILES[0]), [
    {
      path: '$',
      message: `no configuration found; copy examples/scheduler.config.json to ${DEFAULT_CONFIG_FILES[0]} or set ${CONFIG_ENV_VAR}`,
    },
  ]);
}

/** A configuration and the file it came from. */
export interface LoadedConfig {
  readonly path: string;
  readonly config: DeploymentConfig;
}

/**
 * Finds, reads and validates the configuration file (see {@link resolveConfigPath}).
 *
 * @throws DeploymentConfigError naming every bad field by its JSON path, with the value found
 */
export function loadDeploymentConfig(options: ConfigLocationOptions = {}): LoadedConfig {
  const path = resolveConfigPath(options);
  const source = relative(options.cwd ?? process.cwd(), path) || path;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new DeploymentConfigError(source, [{ path: '$', message: `not valid JSON: ${reason}` }], {
      cause: error,
    });
  }
  return { path, config: parseDeploymentConfig(raw, source) };
}

/**
 * Validates a configuration object (as read from JSON), applying defaults.
 *
 * @param source - where it came from, for the error message
 * @throws DeploymentConfigError naming every bad field by its JSON path, with the value found
 */
export function parseDeploymentConfig(raw: unknown, source = '(inline)'): DeploymentConfig {
  const input = withoutComments(raw);
  const reserved = reservedKeyIssues(input, []);
  if (reserved.length > 0) throw new DeploymentConfigError(source, reserved);
  const result = deploymentConfigSchema.safeParse(input);
  if (result.success) return result.data;
  throw new DeploymentConfigError(source, configIssues(result.error.issues, input), { cause: result.error });
}

/**
 * `__proto__` as a key (a schedule or a policy name, say): JSON allows it, but no JavaScript object
 * can hold it as data, so it would be silently dropped. Refused, wherever it is.
 */
function reservedKeyIssues(node: unknown, path: PropertyKey[]): ConfigIssue[] {
  if (node === null || typeof node !== 'object') return [];
  return Object.keys(node).flatMap((key) =>
    key === '__proto__'
      ? [
          {
            path: formatJsonPath([...path, key]),
            message: '"__proto__" cannot be used as a name here; choose another',
          },
        ]
      : reservedKeyIssues((node as Record<string, unknown>)[key], [
          ...path,
          Array.isArray(node) ? Number(key) : key,
        ]),
  );
}

/** Turns zod issues into located messages that show the value found at each path. */
export function configIssues(issues: readonly z.core.$ZodIssue[], input: unknown): ConfigIssue[] {
  return issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      const keys = issue.keys;
      const path = keys.length === 1 ? [...issue.path, keys[0] ?? ''] : issue.path;
      const known = knownKeysAt(issue.path);
      const list = keys.map((k) => `"${k}"`).join(', ');
      return {
        path: formatJsonPath(path),
        message: `unknown key${keys.length > 1 ? 's' : ''} ${list}${known ? `; expected one of ${known}` : ''}`,
      };
    }
    const found = valueAt(input, issue.path);
    if (found === undefined && issue.code === 'invalid_type') {
      return { path: formatJsonPath(issue.path), message: `is missing (expected ${issue.expected})` };
    }
    const shown = typeof found === 'string' || typeof found === 'number' ? String(found) : undefined;
    const saysValue = /\bgot\b/.test(issue.message) || (shown !== undefined && issue.message.includes(shown));
    return {
      path: formatJsonPath(issue.path),
      message: `${issue.message}${saysValue ? '' : `, got ${showValue(found)}`}`,
    };
  });
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let node = root;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

/** The keys the schema accepts at an object path, for "did you mean" style hints. */
function knownKeysAt(path: readonly PropertyKey[]): string | undefined {
  let schema: z.core.$ZodType = deploymentConfigSchema;
  for (const key of path) {
    const def = unwrap(schema)._zod.def as ContainerDef;
    const child = typeof key === 'string' ? def.shape?.[key] : undefined;
    const next = child ?? def.valueType ?? def.element;
    if (!next) return undefined;
    schema = next;
  }
  const shape = (unwrap(schema)._zod.def as ContainerDef).shape;
  return shape
    ? Object.keys(shape)
        .filter((k) => k !== '$schema')
        .join(', ')
    : undefined;
}

/** The parts of zod's object, record and array definitions this module walks. */
interface ContainerDef {
  readonly shape?: Record<string, z.core.$ZodType>;
  readonly valueType?: z.core.$ZodType;
  readonly element?: z.core.$ZodType;
}

function unwrap(schema: z.core.$ZodType): z.core.$ZodType {
  let current = schema;
  for (;;) {
    const def = current._zod.def as { innerType?: z.core.$ZodType; in?: z.core.$ZodType };
    const next = def.innerType ?? def.in;
    if (!next) return current;
    current = next;
  }
}

/** A copy of `value` without {@link COMMENT_KEY} keys, at any depth. */
export function withoutComments(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutComments);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => key !== COMMENT_KEY)
      .map(([key, v]) => [key, withoutComments(v)]),
  );
}
