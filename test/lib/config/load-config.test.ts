import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scheduleConfigSchema } from '../../../functions/shared/contracts/runtime-config';
import { runtimeConfigOf, scheduleFreshness } from '../../../lib/config/deployment-config';
import {
  CONFIG_ENV_VAR,
  DeploymentConfigError,
  loadDeploymentConfig,
  parseDeploymentConfig,
  resolveConfigPath,
} from '../../../lib/config/load-config';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const EXAMPLE = join(ROOT, 'examples', 'scheduler.config.json');

/** The smallest valid configuration. */
const minimal = () => ({
  milvus: { address: 'milvus.internal:19530' },
  collections: [{ name: 'products' }],
  schedules: { nightly: { cron: 'cron(0 3 * * ? *)' } },
  retention: { default: { keepDaily: 7 } },
});

/** The message of what `fn` throws. */
function failure(fn: () => unknown): DeploymentConfigError {
  try {
    fn();
  } catch (error) {
    if (error instanceof DeploymentConfigError) return error;
    throw error;
  }
  throw new Error('expected a DeploymentConfigError');
}

describe('the example configuration', () => {
  it('loads, with the demo collections and three schedules', () => {
    // Prepare
    const { config, path } = loadDeploymentConfig({ cwd: ROOT, env: {} });

    // Assess
    expect(path).toBe(EXAMPLE);
    expect(config.collections.map((c) => `${c.database}.${c.name}`)).toEqual([
      'default.products',
      'default.support_tickets',
      'analytics.user_events',
    ]);
    expect(Object.keys(config.schedules)).toEqual(['hourly', 'nightly', 'weekly']);
    expect(config.schedules.nightly).toMatchObject({ mode: 'full', timezone: 'Europe/Paris' });
  });

  it('gives every schedule, weekly included, a freshness window of its longest interval plus its margin', () => {
    const { config } = loadDeploymentConfig({ path: EXAMPLE });
    const [hourly, nightly, weekly] = ['hourly', 'nightly', 'weekly'].map((name) => {
      const schedule = config.schedules[name];
      if (!schedule) throw new Error(`no schedule ${name}`);
      return scheduleFreshness(schedule);
    });
    expect(hourly?.windowMinutes).toBe(60 + 60);
    // 25 hours across the autumn daylight-saving change, plus the example's 120-minute margin.
    expect(nightly?.windowMinutes).toBe(25 * 60 + 120);
    // A week and an hour across the autumn change in New York, plus the default 60 minutes.
    expect(weekly?.windowMinutes).toBe(7 * 24 * 60 + 60 + 60);
  });

  it('explains why a schedule without a regular interval has no freshness window', () => {
    const once = scheduleFreshness(scheduleConfigSchema.parse({ cron: 'cron(0 3 1 1 ? 2027)' }));
    expect(once.windowMinutes).toBeUndefined();
    expect(once.reason).toContain('fires fewer than twice between 2026 and 2028');
  });
});

describe('defaults', () => {
  it('applies the deployment defaults to a minimal configuration', () => {
    const config = parseDeploymentConfig(minimal());
    expect(config).toMatchObject({
      milvus: { address: 'milvus.internal:19530', tls: false, timeoutMs: 15_000 },
      notifications: { emails: [], failureEmails: [] },
      alarms: { emails: [] },
      reports: { retentionDays: 365 },
      mapConcurrency: 10,
      logLevel: 'INFO',
      logRetentionDays: 90,
      runTimeoutMinutes: 720,
      perCollectionMetrics: true,
      functionRuntime: 'nodejs22.x',
    });
    expect(config.milvus.tokenSecret).toBeUndefined();
    expect(config.network).toBeUndefined();
  });

  it('takes selectors beside or instead of entries by name, with their defaults, and schedules naming what they cover', () => {
    // Act
    const config = parseDeploymentConfig({
      ...minimal(),
      collections: [],
      selectors: [
        { match: '*', exclude: ['tmp_*'] },
        { database: 'prod', match: 'orders_?' },
      ],
      schedules: {
        nightly: { cron: 'cron(0 3 * * ? *)', collections: ['default.invoices', 'prod.*', 'orders_1'] },
      },
    });

    // Assess
    expect(config.selectors).toEqual([
      { database: 'default', match: '*', exclude: ['tmp_*'], retention: 'default' },
      { database: 'prod', match: 'orders_?', exclude: [], retention: 'default' },
    ]);
    expect(config.coverage).toEqual({ databases: 'configured', alarm: false });
    expect(config.schedules.nightly?.collections).toEqual(['default.invoices', 'prod.*', 'orders_1']);
  });

  it('keeps every override', () => {
    const config = parseDeploymentConfig({
      ...minimal(),
      milvus: {
        address: 'https://in01.zillizcloud.com:19530',
        tls: true,
        timeoutMs: 30_000,
        tokenSecret: 'milvus/token',
      },
      network: { vpcId: 'vpc-0a1b2c3d', subnetIds: ['subnet-0a1b2c3d'], securityGroupIds: ['sg-0a1b2c3d'] },
      notifications: {
        emails: ['a@example.com'],
        failureEmails: ['b@example.com'],
        topicArn: 'arn:aws:sns:eu-west-1:123456789012:backups',
      },
      alarms: { emails: ['c@example.com'], topicArn: 'arn:aws:sns:eu-west-1:123456789012:alarms' },
      reports: { retentionDays: 30 },
      mapConcurrency: 50,
      logLevel: 'DEBUG',
      logRetentionDays: 14,
      runTimeoutMinutes: 180,
      perCollectionMetrics: false,
    });
    expect(config).toMatchObject({
      milvus: { tls: true, timeoutMs: 30_000, tokenSecret: 'milvus/token' },
      network: { vpcId: 'vpc-0a1b2c3d' },
      reports: { retentionDays: 30 },
      mapConcurrency: 50,
      logLevel: 'DEBUG',
      logRetentionDays: 14,
      runTimeoutMinutes: 180,
      perCollectionMetrics: false,
    });
  });

  it('ignores "$comment" keys at any depth, and "$schema"', () => {
    const config = parseDeploymentConfig({
      $schema: '../schemas/scheduler.config.schema.json',
      $comment: 'top',
      ...minimal(),
      collections: [{ $comment: 'why', name: 'products' }],
      schedules: { nightly: { $comment: 'when', cron: 'cron(0 3 * * ? *)' } },
    });
    expect(config.collections[0]).toEqual({
      database: 'default',
      name: 'products',
      retention: 'default',
      protect: [],
    });
  });
});

describe('the run part of the configuration', () => {
  it('is exactly the runtime keys, with defaults applied', () => {
    const runtime = runtimeConfigOf(parseDeploymentConfig(minimal()));
    expect(Object.keys(runtime).sort()).toEqual(
      [
        'collections',
        'coverage',
        'drill',
        'flush',
        'manualSnapshotPrefix',
        'retention',
        'schedules',
        'selectors',
      ].sort(),
    );
    expect(runtime.schedules.nightly).toMatchObject({ mode: 'backup', timezone: 'UTC', enabled: true });
  });
});

describe('invalid configurations', () => {
  it.each([
    [
      'a cron Scheduler would refuse',
      { schedules: { nightly: { cron: 'cron(0 3 * * * *)' } } },
      '$.schedules.nightly.cron: cron day-of-month "*" and day-of-week "*": exactly one of them must be "?"',
    ],
    [
      'an hour out of range',
      { schedules: { nightly: { cron: 'cron(0 24 * * ? *)' } } },
      '$.schedules.nightly.cron: cron hours must be 0-23, got "24"',
    ],
    [
      'a time zone that does not exist',
      { schedules: { nightly: { cron: 'cron(0 3 * * ? *)', timezone: 'Europe/Pariss' } } },
      '$.schedules.nightly.timezone: expected an IANA time zone such as "Europe/Paris", got "Europe/Pariss"',
    ],
    [
      'a bad mode',
      { schedules: { nightly: { cron: 'cron(0 3 * * ? *)', mode: 'weekly' } } },
      '$.schedules.nightly.mode: Invalid option: expected one of "backup"|"drill"|"full", got "weekly"',
    ],
    [
      'a misspelt key',
      { milvus: { adress: 'x:19530' } },
      '$.milvus.adress: unknown key "adress"; expected one of address, tls, timeoutMs, tokenSecret',
    ],
    ['a missing address', { milvus: {} }, '$.milvus.address: is missing (expected string)'],
    [
      'a collection name Milvus refuses',
      { collections: [{ name: 'bad-name' }] },
      "$.collections[0].name: collection 'bad-name' is not a valid Milvus name: it contains '-' at position 3",
    ],
    [
      'a token secret that is neither an ARN nor a name',
      { milvus: { address: 'x:19530', tokenSecret: 'arn:aws:s3:::bucket' } },
      '$.milvus.tokenSecret: expected the ARN or the name of an existing Secrets Manager secret',
    ],
    [
      'a bad e-mail address',
      { notifications: { emails: ['not-an-email'] } },
      '$.notifications.emails[0]: expected an e-mail address, got "not-an-email"',
    ],
    [
      'a topic ARN of another service',
      { alarms: { topicArn: 'arn:aws:sqs:eu-west-1:123456789012:q' } },
      '$.alarms.topicArn: expected an SNS topic ARN',
    ],
    [
      'a concurrency of 0',
      { mapConcurrency: 0 },
      '$.mapConcurrency: Too small: expected number to be >=1, got 0',
    ],
    [
      'a log retention CloudWatch does not offer',
      { logRetentionDays: 10 },
      '$.logRetentionDays: Invalid option: expected one of 1|3|5|7|14|30|60|90|120|150|180|365',
    ],
    [
      'a run timeout shorter than one drill',
      { runTimeoutMinutes: 60 },
      '$.runTimeoutMinutes: 60 minutes is shorter than one collection of a full run may take (10 min flush wait + 60 min restore + 15 min for the other steps); set it to at least 85',
    ],
    [
      'a retention policy name that is not a plain word',
      { retention: { default: { keepDaily: 7 }, 'weekly.$': { keepWeekly: 4 } } },
      '$.retention["weekly.$"]: retention policy names use letters, digits, "_" and "-"',
    ],
    [
      'a schedule naming an unknown collection',
      { schedules: { nightly: { cron: 'cron(0 3 * * ? *)', collections: ['default.orders'] } } },
      "$.schedules.nightly.collections[0]: schedule 'nightly' names default.orders, which is not in collections",
    ],
    [
      'a collection named like a drill collection',
      { collections: [{ name: 'drill_products_20200101_000000' }] },
      '$.collections[0].name: default.drill_products_20200101_000000 is named like a drill collection',
    ],
    [
      '__proto__ as a retention policy name',
      { retention: JSON.parse('{"default": {"keepDaily": 7}, "__proto__": {"keepLast": 1}}') },
      '$.retention.__proto__: "__proto__" cannot be used as a name here',
    ],
    [
      'a collection naming a policy that only exists on every JavaScript object',
      { collections: [{ name: 'products', retention: 'toString' }] },
      "$.collections[0].retention: default.products uses retention policy 'toString', which is not defined",
    ],
    [
      'a deployment id with a slash',
      { deploymentId: 'prod/eu' },
      '$.deploymentId: a deployment id uses letters, digits',
    ],
    [
      'a selector pattern with a character no Milvus name holds',
      { selectors: [{ database: 'default', match: 'orders-*' }] },
      `$.selectors[0].match: match pattern "orders-*" is refused: it contains '-' at position 6, which no Milvus name holds`,
    ],
    [
      'a selector pattern that starts with a digit',
      { selectors: [{ match: '2024_*' }] },
      `$.selectors[0].match: match pattern "2024_*" is refused: it starts with '2', but Milvus names start with a letter or '_', so it can never match; did you mean "*2024_*"?`,
    ],
    [
      'a selector pattern with a character class',
      { selectors: [{ match: 'tmp_[0-9]*' }] },
      `$.selectors[0].match: match pattern "tmp_[0-9]*" is refused: it contains '[' at position 4: patterns have only '*'`,
    ],
    [
      'a selector pattern written as database.collection',
      { selectors: [{ match: 'prod.*' }] },
      `$.selectors[0].match: match pattern "prod.*" is refused: it contains '.' at position 4: a pattern matches one name, so give the database in "database"`,
    ],
    [
      'a selector pattern longer than any Milvus name',
      { selectors: [{ match: `${'a'.repeat(256)}*` }] },
      'it needs at least 256 characters, and Milvus names have at most 255, so it can never match',
    ],
    [
      'an exclude pattern that leaves nothing',
      { selectors: [{ match: 'orders_*', exclude: ['*'] }] },
      '$.selectors[0].exclude: selects nothing: exclude leaves out every name match "orders_*" takes',
    ],
    [
      'a selector naming an unknown retention policy',
      { selectors: [{ match: '*', retention: 'hourly' }] },
      "$.selectors[0].retention: the selector uses retention policy 'hourly', which is not defined; defined: default",
    ],
    ['an unknown key in a selector', { selectors: [{ match: '*', excludes: ['tmp_*'] }] }, '$.selectors[0]'],
    [
      'neither collections nor selectors',
      { collections: [] },
      '$.collections: list at least one collection in collections, or a selector in selectors',
    ],
    [
      'a schedule naming a collection its selector excludes',
      {
        selectors: [{ match: '*', exclude: ['tmp_*'] }],
        schedules: { nightly: { cron: 'cron(0 3 * * ? *)', collections: ['default.tmp_a'] } },
      },
      `$.schedules.nightly.collections[0]: schedule 'nightly' names default.tmp_a, which is not in collections, and selector 1 excludes it ("tmp_*")`,
    ],
    [
      'a schedule naming a database no entry or selector covers',
      {
        selectors: [{ database: 'prod', match: '*' }],
        schedules: { nightly: { cron: 'cron(0 3 * * ? *)', collections: ['staging.*'] } },
      },
      "$.schedules.nightly.collections[0]: schedule 'nightly' names staging.*, which matches no entry of collections, and no selector covers its database",
    ],
    [
      'a VPC without subnets',
      { network: { vpcId: 'vpc-0a1b2c3d', subnetIds: [] } },
      '$.network.subnetIds: list at least one subnet',
    ],
  ])('refuses %s, naming the field and the value', (_what, override, message) => {
    const error = failure(() => parseDeploymentConfig({ ...minimal(), ...override }, 'my.json'));
    expect(error.message).toContain('invalid configuration my.json:');
    expect(error.message).toContain(message);
  });

  it('lists every problem at once', () => {
    const error = failure(() =>
      parseDeploymentConfig({ ...minimal(), mapConcurrency: -1, logLevel: 'LOUD' }, 'my.json'),
    );
    expect(error.issues.map((i) => i.path)).toEqual(['$.mapConcurrency', '$.logLevel']);
    expect(error.message).toContain('got "LOUD"');
  });
});

describe('finding the configuration file', () => {
  const project = () => {
    const dir = mkdtempSync(join(tmpdir(), 'scheduler-config-'));
    mkdirSync(join(dir, 'examples'));
    writeFileSync(join(dir, 'examples', 'scheduler.config.json'), JSON.stringify(minimal()));
    return dir;
  };

  it('uses the example when there is no scheduler.config.json', () => {
    const dir = project();
    expect(resolveConfigPath({ cwd: dir, env: {} })).toBe(join(dir, 'examples', 'scheduler.config.json'));
  });

  it('prefers scheduler.config.json, then the environment variable, then the explicit path', () => {
    const dir = project();
    writeFileSync(join(dir, 'scheduler.config.json'), JSON.stringify(minimal()));
    writeFileSync(join(dir, 'from-env.json'), JSON.stringify(minimal()));
    writeFileSync(join(dir, 'explicit.json'), JSON.stringify(minimal()));
    expect(resolveConfigPath({ cwd: dir, env: {} })).toBe(join(dir, 'scheduler.config.json'));
    expect(resolveConfigPath({ cwd: dir, env: { [CONFIG_ENV_VAR]: 'from-env.json' } })).toBe(
      join(dir, 'from-env.json'),
    );
    expect(
      resolveConfigPath({ cwd: dir, env: { [CONFIG_ENV_VAR]: 'from-env.json' }, path: 'explicit.json' }),
    ).toBe(join(dir, 'explicit.json'));
  });

  it('says how a missing file was named', () => {
    const dir = project();
    expect(() => resolveConfigPath({ cwd: dir, path: 'nope.json' })).toThrow(
      'the file does not exist (named by -c config=nope.json)',
    );
    expect(() => resolveConfigPath({ cwd: dir, env: { [CONFIG_ENV_VAR]: 'gone.json' } })).toThrow(
      `named by ${CONFIG_ENV_VAR}=gone.json`,
    );
  });

  it('reports a file that is not JSON', () => {
    const dir = project();
    writeFileSync(join(dir, 'broken.json'), '{ "milvus": ');
    expect(() => loadDeploymentConfig({ cwd: dir, path: 'broken.json' })).toThrow(
      /invalid configuration broken\.json:\n {2}- \$: not valid JSON/,
    );
  });
});
